// The one place that knows how an event's fields are stored in the case. Everything that reads fields (detections,
// queries, reports, exports) goes through these helpers, so the storage can change without touching the readers.
//
// Storage (case format 3, see field-layout.ts): each event has `field_layout` (the column names of its log layout,
// stored once per file in field_layouts) and `field_vals` (a JSONB array, one element per column, where one-byte
// markers stand for values the case already holds: the lifted columns, the event time, the layout's defaults).
import { fieldsOf, type FieldValue } from '../../shared/types.ts';
import type { Db } from './db.ts';
import { FieldLayout, MAX_RUNS, ROLE, type LayoutSpec, type Lifted } from './field-layout.ts';

export { isFieldSearchable } from './search-text.ts';

/** `alias.` or nothing (a query over the events view without an alias passes ''). */
const col = (alias: string): string => (alias ? `${alias}.` : '');

/** The event columns a reader must select (with its alias) so that `decodeFields` can rebuild the fields. */
export const FIELDS_COLUMNS = (alias = 'e'): string => {
  const a = col(alias);
  return `${a}field_vals AS f_vals, (SELECT fl_spec FROM field_layouts WHERE fl_id = ${a}field_layout) AS f_spec, ${a}ts AS f_ts,
    ${a}ip AS f_ip, ${a}status AS f_status, ${a}method AS f_method, ${a}url AS f_url, ${a}user_agent AS f_ua, ${a}host AS f_host`;
};

/** A row selected with FIELDS_COLUMNS. */
export interface FieldsRow {
  f_vals?: Buffer | null; f_spec?: string | null; f_ts?: number; f_ip?: string | null; f_status?: number | null;
  f_method?: string | null; f_url?: string | null; f_ua?: string | null; f_host?: string | null;
}

const layouts = new Map<string, FieldLayout>();

/** Parsed layouts by their stored text: every event of a file shares one. */
function layoutOf(spec: string): FieldLayout {
  let l = layouts.get(spec);
  if (!l) {
    if (layouts.size >= 2000) layouts.clear();
    l = new FieldLayout(JSON.parse(spec) as LayoutSpec);
    layouts.set(spec, l);
  }
  return l;
}

/** A stored row's fields; broken or missing storage reads as no fields (the event still counts). */
export function decodeFields(stored: object): Record<string, FieldValue> {
  const row = stored as FieldsRow;
  if (!row.f_vals || !row.f_spec) return {};
  try {
    const layout = layoutOf(row.f_spec);
    const lifted: Lifted = {
      ts: row.f_ts ?? NaN, ip: row.f_ip ?? null, status: row.f_status ?? null, method: row.f_method ?? null,
      url: row.f_url ?? null, ua: row.f_ua ?? null, host: row.f_host ?? null,
    };
    return fieldsOf(layout.spec.names, layout.decode(row.f_vals, lifted));
  } catch {
    return {};
  }
}

/** Like FIELDS_COLUMNS, with the layout's id instead of its text: for a FieldsReader, which reads each layout once. */
export const PACKED_COLUMNS = (alias = 'e'): string => {
  const a = col(alias);
  return `${a}field_vals AS f_vals, ${a}field_layout AS f_layout, ${a}ts AS f_ts,
    ${a}ip AS f_ip, ${a}status AS f_status, ${a}method AS f_method, ${a}url AS f_url, ${a}user_agent AS f_ua, ${a}host AS f_host`;
};

/** A row selected with PACKED_COLUMNS. */
export interface PackedRow extends Omit<FieldsRow, 'f_spec'> { f_layout?: number | null }

/** Which fields a FieldsReader decodes: those whose lower-cased name is in the set. */
export class FieldSelection {
  readonly lower: ReadonlySet<string>;
  constructor(names: Iterable<string>) {
    this.lower = new Set([...names].map((n) => n.toLowerCase()));
  }
}

interface ReaderLayout { layout: FieldLayout; keep: Map<FieldSelection, Uint8Array> }

/**
 * Decodes rows of one case selected with PACKED_COLUMNS, each layout read and parsed once, and, given a selection,
 * only the fields it names (the others are skipped unread): for scans that look at a few fields of many events.
 */
export class FieldsReader {
  private readonly layouts = new Map<number, ReaderLayout | null>();
  private readonly spec;

  constructor(db: Db) {
    this.spec = db.prepare('SELECT fl_spec FROM field_layouts WHERE fl_id = ?').pluck();
  }

  /** The row's fields (only the selected ones when `only` is given); broken or missing storage reads as none. */
  read(stored: object, only: FieldSelection | null = null): Record<string, FieldValue> {
    const row = stored as PackedRow;
    if (!row.f_vals || row.f_layout === null || row.f_layout === undefined) return {};
    const rl = this.layoutOf(row.f_layout);
    if (!rl) return {};
    const lifted: Lifted = {
      ts: row.f_ts ?? NaN, ip: row.f_ip ?? null, status: row.f_status ?? null, method: row.f_method ?? null,
      url: row.f_url ?? null, ua: row.f_ua ?? null, host: row.f_host ?? null,
    };
    try {
      if (!only) return fieldsOf(rl.layout.spec.names, rl.layout.decode(row.f_vals, lifted));
      let keep = rl.keep.get(only);
      if (!keep) {
        keep = Uint8Array.from(rl.layout.spec.names, (n) => (only.lower.has(n.toLowerCase()) ? 1 : 0));
        rl.keep.set(only, keep);
      }
      return rl.layout.decodeSome(row.f_vals, lifted, keep, {});
    } catch {
      return {};
    }
  }

  /** A layout's column names and what its `false` markers and templates stand for (null when it cannot be read). */
  columns(id: number): { readonly names: readonly string[]; readonly tpl: readonly (string | number | null)[] } | null {
    return this.layoutOf(id)?.layout.spec ?? null;
  }

  private layoutOf(id: number): ReaderLayout | null {
    let rl = this.layouts.get(id);
    if (rl === undefined) {
      const spec = this.spec.get(id) as string | undefined;
      try {
        rl = spec === undefined ? null : { layout: new FieldLayout(JSON.parse(spec) as LayoutSpec), keep: new Map() };
      } catch {
        rl = null;
      }
      this.layouts.set(id, rl);
    }
    return rl;
  }
}

/** SQL for the values a `true` marker stands for, over an events row (`a` is `alias.` or ''). */
export interface RoleSql { ip: string; status: string; method: string; url: string; ua: string; host: string; ts: string }

export const viewRoles = (a: string): RoleSql => ({
  ip: `${a}ip`, status: `${a}status`, method: `${a}method`, url: `${a}url`, ua: `${a}user_agent`, host: `${a}host`, ts: `${a}ts`,
});

/** SQL of the time strings the time roles stand for (the same text as field-layout.ts writes in JS). */
export function tsRoleSql(ts: string): { isoMs: string; date: string; time: string } {
  const secs = `${ts} / 1000000, 'unixepoch'`;
  return {
    isoMs: `strftime('%Y-%m-%dT%H:%M:%S', ${secs}) || '.' || printf('%03d', (${ts} / 1000) % 1000) || 'Z'`,
    date: `strftime('%Y-%m-%d', ${secs})`,
    time: `strftime('%H:%M:%S', ${secs})`,
  };
}

function roleCase(role: string, r: RoleSql): string {
  const t = tsRoleSql(r.ts);
  return `CASE ${role} WHEN ${ROLE.ip} THEN ${r.ip} WHEN ${ROLE.status} THEN ${r.status} WHEN ${ROLE.method} THEN ${r.method}
    WHEN ${ROLE.url} THEN ${r.url} WHEN ${ROLE.ua} THEN ${r.ua} WHEN ${ROLE.host} THEN ${r.host}
    WHEN ${ROLE.isoMs} THEN ${t.isoMs} WHEN ${ROLE.date} THEN ${t.date} WHEN ${ROLE.time} THEN ${t.time} END`;
}

/** A template with its placeholders filled from a JSON array of runs (the inverse of field-layout's shapeOf). */
export function fillSql(template: string, runs: string): string {
  let out = template;
  for (let k = 0; k < MAX_RUNS; k++) out = `replace(${out}, char(${k + 1}), coalesce(${runs} ->> ${k}, ''))`;
  return out;
}

/** The value of the element at `pos` of a row's packed values, markers resolved; `tpl` is the layout's templates. */
export function packedValueSql(vals: string, pos: string, role: string, tpl: string, r: RoleSql): string {
  const el = `${vals} -> ${pos}`;
  return `CASE ${el} WHEN 'true' THEN ${roleCase(role, r)} WHEN 'false' THEN ${tpl} ->> ${pos}
    ELSE CASE WHEN substr(${el}, 1, 1) = '[' THEN ${fillSql(`(${tpl} ->> ${pos})`, el)} ELSE ${vals} ->> ${pos} END END`;
}

/** SQL reading one named field of a row (NULL when absent); `name` is SQL: `?` to bind it, or a quoted literal. */
export function fieldByNameSql(layout: string, vals: string, r: RoleSql, name = '?'): string {
  return `(SELECT ${packedValueSql(vals, 'fn_pos', 'fn_role', 'fl_tpl', r)}
    FROM field_names JOIN field_layouts ON fl_id = fn_layout WHERE fn_layout = ${layout} AND fn_name = ${name})`;
}

/** SQL reading one named field of the event aliased `alias` (NULL when absent); the name is bound, never spliced. */
export function fieldSql(name: string, alias = 'e'): { sql: string; params: unknown[] } {
  const a = col(alias);
  return { sql: fieldByNameSql(`${a}field_layout`, `${a}field_vals`, viewRoles(a)), params: [name] };
}

/** SQL text holding every field value of the event (for a coarse LIKE prefilter; the exact test must follow). */
export const fieldsTextSql = (alias = 'e'): string => {
  const a = col(alias);
  const t = tsRoleSql(`${a}ts`);
  const lifted = [`${a}ip`, `${a}status`, `${a}method`, `${a}url`, `${a}user_agent`, `${a}host`, t.isoMs, t.date].map((x) => `coalesce(${x}, '')`);
  const el = `CASE j.type WHEN 'false' THEN fl_tpl ->> j.key WHEN 'true' THEN '' WHEN 'array' THEN ${fillSql('(fl_tpl ->> j.key)', 'j.value')} ELSE j.value END`;
  const packed = `(SELECT group_concat(${el}, char(10)) FROM json_each(${a}field_vals) AS j JOIN field_layouts ON fl_id = ${a}field_layout)`;
  return `(${lifted.join(` || char(10) || `)} || char(10) || coalesce(${packed}, ''))`;
};

/**
 * How the case spells a field name: the name itself, the one spelling that differs only in case, or null when no
 * event has such a field. Reads the layouts' names (one row per column of each log layout), not the events.
 */
export function fieldSpelling(db: Db, name: string): string | null {
  const names = db.prepare(`SELECT DISTINCT fn_name FROM field_names n WHERE lower(fn_name) = lower(?)
    AND EXISTS (SELECT 1 FROM event_rows r WHERE r.field_layout = n.fn_layout)`).pluck().all(name) as string[];
  return names.find((n) => n === name) ?? names[0] ?? null;
}
