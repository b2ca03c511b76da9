// The one-line messages of the bulk web logs, as templates over their fields. The parsers render them here; the case
// stores no message for such events, and its `events` view renders the same template in SQL (case/message-template.ts).
// Case files refer to a template by its number: add templates, never change or renumber one.
import type { FieldValue } from '../../../shared/types.ts';

/** The lifted event column that holds the same value as a field, which SQL reads instead of the packed field. */
export type LiftedCol = 'method' | 'url' | 'status' | 'ip' | 'ua';

/** Literal text; a field or its fallback; text around a field when it is present; an HttpProxy query (`?` once). */
export type Part =
  | string
  | { field: string; col?: LiftedCol; or: string }
  | { field: string; col?: LiftedCol; pre: string; post?: string }
  | { query: string };

export const MESSAGE_TEMPLATES: Readonly<Record<number, readonly Part[]>> = {
  // IIS: `POST /owa/auth/x.aspx?q=1 → 200 from 1.2.3.4 [python-requests/2.25.1]`
  1: [{ field: 'cs-method', col: 'method', or: '-' }, ' ', { field: 'cs-uri-stem', col: 'url', or: '-' }, { field: 'cs-uri-query', pre: '?' },
    ' → ', { field: 'sc-status', col: 'status', or: '-' }, ' from ', { field: 'c-ip', col: 'ip', or: '-' },
    { field: 'cs(User-Agent)', col: 'ua', pre: ' [', post: ']' }],
  // HttpProxy: `GET mail.contoso.com/ecp/x.js?a=1 → 200 from 1.2.3.4 anchor=ServerInfo~a]@b/x [ua]`
  2: [{ field: 'Method', col: 'method', or: '-' }, ' ', { field: 'UrlHost', or: '' }, { field: 'UrlStem', col: 'url', or: '-' },
    { query: 'UrlQuery' }, ' → ', { field: 'HttpStatus', col: 'status', or: '-' }, ' from ', { field: 'ClientIpAddress', col: 'ip', or: '-' },
    { field: 'AnchorMailbox', pre: ' anchor=' }, { field: 'UserAgent', col: 'ua', pre: ' [', post: ']' }],
};

export const IIS_TEMPLATE = 1;
export const HTTPPROXY_TEMPLATE = 2;

/** The field each non-literal part of template `id` reads, in order (a layout looks their positions up once). */
const FIELDS_OF = new Map<number, readonly string[]>();
export function templateFields(id: number): readonly string[] {
  let f = FIELDS_OF.get(id);
  if (!f) FIELDS_OF.set(id, (f = MESSAGE_TEMPLATES[id].flatMap((p) => (typeof p === 'string' ? [] : ['query' in p ? p.query : p.field]))));
  return f;
}

/** Where a layout holds template `id`'s fields (templateFields order): a position in its values, or -1. */
export const templatePositions = (id: number, pos: ReadonlyMap<string, number>): Int32Array =>
  Int32Array.from(templateFields(id), (n) => pos.get(n) ?? -1);

/** A template part in one object shape, so the renderer's loop stays monomorphic: what kind, and its texts. */
interface Piece { kind: 0 | 1 | 2 | 3; text: string; post: string }
const LITERAL = 0, FIELD_OR = 1, FIELD_AROUND = 2, QUERY = 3;

const PIECES = new Map<number, Piece[]>();
function piecesOf(id: number): Piece[] {
  let ps = PIECES.get(id);
  if (!ps) {
    ps = MESSAGE_TEMPLATES[id].map((p): Piece => {
      if (typeof p === 'string') return { kind: LITERAL, text: p, post: '' };
      if ('query' in p) return { kind: QUERY, text: '', post: '' };
      return 'or' in p ? { kind: FIELD_OR, text: p.or, post: '' } : { kind: FIELD_AROUND, text: p.pre, post: p.post ?? '' };
    });
    PIECES.set(id, ps);
  }
  return ps;
}

/**
 * The message of template `id` over one row's values, `at` from templatePositions (absent fields read as null), as JS
 * template literals write values. Per line no closure and no name lookup: the parsers call it for every event.
 */
export function renderMessageAt(id: number, values: readonly FieldValue[], at: ArrayLike<number>): string {
  const ps = piecesOf(id);
  let out = '';
  let k = 0;
  for (let j = 0; j < ps.length; j++) {
    const p = ps[j];
    if (p.kind === LITERAL) { out += p.text; continue; }
    const i = at[k++];
    const v = i < 0 ? null : values[i];
    if (p.kind === QUERY) {
      if (v !== null) out += String(v).startsWith('?') ? v : `?${v}`;
    } else if (p.kind === FIELD_OR) {
      out += v ?? p.text;
    } else if (v !== null) {
      out += `${p.text}${v}${p.post}`;
    }
  }
  return out;
}

/** The message of a template for a field getter (absent fields read as null). */
export function renderMessage(id: number, get: (field: string) => FieldValue): string {
  const names = templateFields(id);
  return renderMessageAt(id, names.map(get), names.map((_, k) => k));
}
