// The `re` modifier (PCRE-style expressions as Sigma rules write them, run as JavaScript regular expressions) and the
// `cidr` modifier (IPv4 and IPv6 networks).
import { Unsupported } from './encode.ts';

/**
 * Compiles a rule's regular expression. Leading inline flags (`(?i)`, `(?s)`, `(?m)`, combined) become JavaScript
 * flags, `(?P<name>` becomes `(?<name>`, `\A` `^`, `\Z`/`\z` `$`; anything JavaScript rejects is unsupported.
 */
export function compileSigmaRegex(src: string, flags: Set<string>): RegExp {
  let body = src;
  const f = new Set(flags);
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline) {
    for (const c of inline[1]) f.add(c);
    body = body.slice(inline[0].length);
  }
  if (f.has('x')) throw new Unsupported('regular expression uses the x (extended) flag');
  body = body.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\[Zz]/g, '$');
  try {
    return new RegExp(body, [...f].filter((c) => 'ims'.includes(c)).join(''));
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
