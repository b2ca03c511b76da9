// Web-log messages are not stored: a parser that rendered its message with a template (ingest/sources/
// message-templates.ts) marks the event, and the `events` view renders the same template in SQL. The writer stores
// the text anyway when SQL would render it differently: a number that SQL prints in another form, or a field whose
// lifted column (which SQL reads) holds another value.
import type { FieldValue } from '../../shared/types.ts';
import { MESSAGE_TEMPLATES, type LiftedCol } from '../ingest/sources/message-templates.ts';

export type { LiftedCol } from '../ingest/sources/message-templates.ts';
export { MESSAGE_TEMPLATES } from '../ingest/sources/message-templates.ts';

/** A number SQL's text conversion writes exactly as JS does. */
const sqlSafe = (v: FieldValue): boolean => typeof v !== 'number' || (Number.isSafeInteger(v) && !Object.is(v, -0));

/**
 * Whether the view renders template `id` exactly as JS did for one row's values, `at` from templatePositions (-1:
 * absent, read as null), and its lifted columns (`col`).
 */
export function templateStorable(id: number, values: readonly FieldValue[] | null, at: ArrayLike<number>, col: (c: LiftedCol) => FieldValue): boolean {
  let k = 0;
  for (const p of MESSAGE_TEMPLATES[id]) {
    if (typeof p === 'string') continue;
    const i = at[k++];
    const v = i < 0 || values === null ? null : values[i] ?? null;
    if (!sqlSafe(v)) return false;
    if (!('query' in p) && p.col && col(p.col) !== v) return false;
  }
  return true;
}

export interface TemplateSql {
  col(name: LiftedCol): string;
  field(name: string): string;
}

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Template `id` as an SQL expression over the given column and field expressions. */
export function templateSql(id: number, sql: TemplateSql): string {
  const parts = MESSAGE_TEMPLATES[id].map((p) => {
    if (typeof p === 'string') return lit(p);
    if ('query' in p) {
      const q = `CAST(${sql.field(p.query)} AS TEXT)`;
      return `coalesce(CASE WHEN substr(${q}, 1, 1) = '?' THEN ${q} ELSE '?' || ${q} END, '')`;
    }
    const v = `CAST(${p.col ? sql.col(p.col) : sql.field(p.field)} AS TEXT)`;
    if ('or' in p) return `coalesce(${v}, ${lit(p.or)})`;
    return `coalesce(${lit(p.pre)} || ${v}${p.post ? ` || ${lit(p.post)}` : ''}, '')`;
  });
  return `(${parts.join(' || ')})`;
}
