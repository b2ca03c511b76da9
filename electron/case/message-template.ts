// The one-line message of an IIS or HttpProxy event is a function of its fields, so such events store no message:
// the `events` view rebuilds it in SQL from the same template. The writer renders the template in JS from what it
// stores and keeps the parser's own text whenever the two differ, so no message can come back changed.
// Templates are referenced by number from case files: add new ones, never change or renumber one.
import type { FieldValue } from '../../shared/types.ts';

export type LiftedCol = 'method' | 'url' | 'status' | 'ip' | 'ua';
type Ref = { col: LiftedCol } | { field: string };
/** Literal text; a value or its fallback; optional text around a value when it is present; an HttpProxy query. */
export type Part = string | (Ref & { or: string }) | (Ref & { pre: string; post?: string }) | { query: string };

export const MESSAGE_TEMPLATES: Readonly<Record<number, readonly Part[]>> = {
  // iisMessage: `POST /owa/auth/x.aspx?q=1 → 200 from 1.2.3.4 [python-requests/2.25.1]`
  1: [{ col: 'method', or: '-' }, ' ', { col: 'url', or: '-' }, { field: 'cs-uri-query', pre: '?' }, ' → ', { col: 'status', or: '-' },
    ' from ', { col: 'ip', or: '-' }, { col: 'ua', pre: ' [', post: ']' }],
  // httpProxyMessage: `GET mail.contoso.com/ecp/x.js?a=1 → 200 from 1.2.3.4 anchor=ServerInfo~a]@b/x [ua]`
  2: [{ col: 'method', or: '-' }, ' ', { field: 'UrlHost', or: '' }, { col: 'url', or: '-' }, { query: 'UrlQuery' }, ' → ',
    { col: 'status', or: '-' }, ' from ', { col: 'ip', or: '-' }, { field: 'AnchorMailbox', pre: ' anchor=' },
    { col: 'ua', pre: ' [', post: ']' }],
};

export const TEMPLATE_OF_SOURCE: Readonly<Record<string, number>> = { iis: 1, httpproxy: 2 };

/** The field names a template reads (besides the lifted columns). */
export function templateFields(id: number): string[] {
  const out: string[] = [];
  for (const p of MESSAGE_TEMPLATES[id]) {
    if (typeof p !== 'object') continue;
    if ('field' in p) out.push(p.field);
    else if ('query' in p) out.push(p.query);
  }
  return out;
}

export interface TemplateValues {
  col(name: LiftedCol): FieldValue;
  field(name: string): FieldValue;
}

/** Text of a value as JS template literals write it; undefined for numbers SQL would print differently. */
function text(v: FieldValue): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : undefined;
  return v ?? undefined;
}

/** Whether `t` is at `pos` of `s`; returns the position after it, or -1. */
const at = (s: string, t: string, pos: number): number => (pos >= 0 && s.startsWith(t, pos) ? pos + t.length : -1);

/** Matches one part at `pos` of the message; returns the position after it, or -1. */
function matchPart(p: Part, get: TemplateValues, message: string, pos: number): number {
  if (typeof p === 'string') return at(message, p, pos);
  if ('query' in p) {
    const q = get.field(p.query);
    if (q === null) return pos;
    const t = text(q);
    if (t === undefined) return -1;
    return at(message, t, t.startsWith('?') ? pos : at(message, '?', pos));
  }
  const v = 'col' in p ? get.col(p.col) : get.field(p.field);
  if (v === null) return 'or' in p ? at(message, p.or, pos) : pos;
  const t = text(v);
  if (t === undefined) return -1;
  if ('or' in p) return at(message, t, pos);
  const after = at(message, t, at(message, p.pre, pos));
  return p.post && after >= 0 ? at(message, p.post, after) : after;
}

/** Whether the template gives exactly `message` for these values (compared part by part, nothing concatenated). */
export function templateGives(id: number, get: TemplateValues, message: string): boolean {
  let pos = 0;
  for (const p of MESSAGE_TEMPLATES[id]) {
    pos = matchPart(p, get, message, pos);
    if (pos < 0) return false;
  }
  return pos === message.length;
}

export interface TemplateSql {
  col(name: LiftedCol): string;
  field(name: string): string;
}

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The same template as an SQL expression over the given column and field expressions. */
export function templateSql(id: number, sql: TemplateSql): string {
  const parts = MESSAGE_TEMPLATES[id].map((p) => {
    if (typeof p === 'string') return lit(p);
    if ('query' in p) {
      const q = `CAST(${sql.field(p.query)} AS TEXT)`;
      return `coalesce(CASE WHEN substr(${q}, 1, 1) = '?' THEN ${q} ELSE '?' || ${q} END, '')`;
    }
    const v = `CAST(${'col' in p ? sql.col(p.col) : sql.field(p.field)} AS TEXT)`;
    if ('or' in p) return `coalesce(${v}, ${lit(p.or)})`;
    return `coalesce(${lit(p.pre)} || ${v}${p.post ? ` || ${lit(p.post)}` : ''}, '')`;
  });
  return `(${parts.join(' || ')})`;
}
