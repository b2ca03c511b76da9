// The `re` modifier (expressions as Sigma rules write them for Rust's regex crate or PCRE, run as JavaScript regular
// expressions with the `u` flag where the pattern allows it) and the
// `cidr` modifier (IPv4 and IPv6 networks).
import { Unsupported } from './encode.ts';

/** A rule's regular expression compiled; `unicode` false when it is valid only without JavaScript's `u` flag. */
export interface SigmaRegex { re: RegExp; unicode: boolean; reason: string | null }

/** Characters JavaScript's `u` mode lets a backslash escape as themselves (any other escaped punctuation is an error). */
const U_IDENTITY = new Set('^$\\.*+?()[]{}|/'.split(''));

/** The `u`-mode spelling of one escape (`\\` + `esc`): ASCII punctuation `u` mode rejects becomes `\\xHH`. */
function unicodeEscape(esc: string): string {
  const c = esc.charCodeAt(0);
  return c < 0x80 && !/[A-Za-z0-9]/.test(esc) && !U_IDENTITY.has(esc) ? `\\x${c.toString(16).padStart(2, '0')}` : `\\${esc}`;
}

/**
 * Rust-regex syntax → the `u`-mode spelling, for what Rust's regex crate and PCRE take as literal and `u` mode rejects:
 * escaped punctuation (`\\"`, `\\-`, `\\:` …) becomes `\\xHH`, `\\x{HHHH}` becomes `\\u{HHHH}`, and outside a class a
 * lone `]`, or a `{`/`}` that is no `{n}`, `{n,}`, `{n,m}` quantifier, is escaped.
 */
export function toUnicodeSyntax(body: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const hex = /^x\{([0-9a-fA-F]{1,6})\}/.exec(body.slice(i + 1));
      if (hex) { out += `\\u{${hex[1]}}`; i += hex[0].length; continue; }
      const prop = /^[pPu]\{[^}]*\}/.exec(body.slice(i + 1)); // \p{…}, \P{…}, \u{…}: their braces are no quantifier
      if (prop) { out += `\\${prop[0]}`; i += prop[0].length; continue; }
      if (i + 1 < body.length) out += unicodeEscape(body[++i]);
      else out += c;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (body[i + 1] === '^') out += body[++i];
      if (body[i + 1] === ']') { out += '\\]'; i++; } // `[]…]` / `[^]…]`: a leading ] is literal in Rust
    } else if (c === '{') {
      const q = /^\{\d+(,\d*)?\}/.exec(body.slice(i));
      if (q) { out += q[0]; i += q[0].length - 1; } else out += '\\{';
    } else out += c === ']' || c === '}' ? `\\${c}` : c;
  }
  return out;
}

/**
 * Compiles a rule's regular expression as Hayabusa's and Chainsaw's Rust regex crate reads it: Unicode-aware (the `u`
 * flag: code points, Unicode case folding such as the Kelvin sign with `k`). Leading inline flags (`(?i)`, `(?s)`,
 * `(?m)`, combined) become JavaScript flags, `(?P<name>` becomes `(?<name>`, `\A` `^`, `\Z`/`\z` `$`. A pattern `u`
 * mode rejects is compiled without it (reported through `unicode: false`); one JavaScript rejects either way is
 * unsupported.
 */
export function compileSigmaRegex(src: string, flags: Set<string>): SigmaRegex {
  let body = src;
  const f = new Set(flags);
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline) {
    for (const c of inline[1]) f.add(c);
    body = body.slice(inline[0].length);
  }
  if (f.has('x')) throw new Unsupported('regular expression uses the x (extended) flag');
  body = body.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\[Zz]/g, '$');
  const js = [...f].filter((c) => 'ims'.includes(c)).join('');
  let reason: string;
  try {
    return { re: new RegExp(toUnicodeSyntax(body), `${js}u`), unicode: true, reason: null };
  } catch (e) {
    reason = (e as Error).message;
  }
  try {
    return { re: new RegExp(body, js), unicode: false, reason };
  } catch (e) {
    throw new Unsupported(`regular expression not valid in JavaScript: ${(e as Error).message}`);
  }
}

/** An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96), or null when the text is not an IP address. */
export function ipBytes(s: string): Uint8Array | null {
  const t = s.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (v4) {
    const b = new Uint8Array(16);
    b[10] = 0xff; b[11] = 0xff;
    for (let i = 0; i < 4; i++) { const n = Number(v4[i + 1]); if (n > 255) return null; b[12 + i] = n; }
    return b;
  }
  return t.includes(':') ? ipv6Bytes(t) : null;
}

function ipv6Bytes(t: string): Uint8Array | null {
  let s = t;
  const dotted = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (dotted) {
    // an embedded IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups
    const v4 = ipBytes(dotted[1]);
    if (!v4) return null;
    s = `${s.slice(0, dotted.index + 1)}${((v4[12] << 8) | v4[13]).toString(16)}:${((v4[14] << 8) | v4[15]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  if (groups.some((g) => Number.isNaN(g))) return null;
  const b = new Uint8Array(16);
  groups.forEach((g, i) => { b[2 * i] = g >> 8; b[2 * i + 1] = g & 0xff; });
  return b;
}

/** A CIDR network (`10.0.0.0/8`, `fe80::/10`) as a membership test on address text. */
export function cidrTest(cidr: string): (s: string) => boolean {
  const [addr, lenText] = cidr.split('/');
  const net = ipBytes(addr);
  const isV4 = !addr.includes(':');
  const len = lenText === undefined ? (isV4 ? 32 : 128) : Number(lenText);
  const bits = isV4 ? len + 96 : len;
  if (!net || !Number.isInteger(len) || len < 0 || bits > 128) throw new Unsupported(`not a CIDR network: ${cidr}`);
  return (s) => {
    const ip = ipBytes(s);
    if (!ip) return false;
    for (let i = 0; i < bits; i++) {
      const byte = i >> 3, mask = 0x80 >> (i & 7);
      if ((ip[byte] & mask) !== (net[byte] & mask)) return false;
    }
    return true;
  };
}
