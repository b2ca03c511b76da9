// The one place that knows how an event's fields are stored in the case. Everything that reads fields (detections,
// queries, reports, exports) goes through these helpers, so the storage can change without touching the readers.
import type { FieldValue } from '../../shared/types.ts';

/** The event columns a reader must select (with its alias) so that `decodeFields` can rebuild the fields. */
export const FIELDS_COLUMNS = (alias = 'e'): string => `${col(alias)}fields`;

/** `alias.` or nothing (a query over the events table without an alias passes ''). */
const col = (alias: string): string => (alias ? `${alias}.` : '');

/** A stored row's fields; broken or missing storage reads as no fields (the event still counts). */
export function decodeFields(row: { fields?: string | null }): Record<string, FieldValue> {
  if (!row.fields) return {};
  try {
    const v = JSON.parse(row.fields) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, FieldValue>) : {};
  } catch {
    return {};
  }
}

/** SQL reading one named field of the event aliased `alias` (NULL when absent); the name is bound, never spliced. */
export function fieldSql(name: string, alias = 'e'): { sql: string; params: unknown[] } {
  return { sql: `json_extract(${col(alias)}fields, ?)`, params: [`$."${name.replace(/"/g, '')}"`] };
}

/** SQL text holding every field value of the event (for a coarse LIKE prefilter; the exact test must follow). */
export const fieldsTextSql = (alias = 'e'): string => `${col(alias)}fields`;
