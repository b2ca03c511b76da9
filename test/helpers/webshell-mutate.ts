// A deterministic mutator of ASP.NET and classic ASP pages, for measuring the web-shell rules on variants they were
// not written against: it rewrites a real shell the ways real variants of it differ (renamed request parameters and
// variables, other passwords, case where the language ignores it, whitespace and comments, split string literals,
// another Request accessor, eval and page-directive spellings, the OAB ExternalUrl one-liner). Text is handled as
// Latin-1 so every byte survives; script-encoded (#@~^) pages are left as they are. Never runs anything.
import { rngFor } from '../fixtures/gen/rng.ts';
import type { Rng } from '../fixtures/gen/rng.ts';

export type Lang = 'csharp' | 'jscript' | 'vb';
export const OPS = ['params', 'vars', 'literals', 'case', 'space', 'split', 'accessor', 'eval', 'directive'] as const;
export type Op = typeof OPS[number];

interface Seg { kind: 'html' | 'code' | 'str' | 'comment'; text: string; lang: Lang }

const isClassic = (name: string): boolean => /\.(asp|asa|cer|cdx)$/i.test(name);

function langOf(value: string, fallback: Lang): Lang {
  if (/^\s*(j(ava)?script|js)\b/i.test(value)) return 'jscript';
  if (/^\s*(c#|cs|csharp)\b/i.test(value)) return 'csharp';
  if (/^\s*(vb|vbs|vbscript|visualbasic)\b/i.test(value)) return 'vb';
  return fallback;
}

/** The page's default server language: its directive's, else VBScript (classic ASP) or C# (ASP.NET). */
export function pageLang(name: string, text: string): Lang {
  const d = /<%@[^%]*?language\s*=\s*["']?([\w#]+)/i.exec(text);
  return langOf(d?.[1] ?? '', isClassic(name) ? 'vb' : 'csharp');
}

/** Splits code text of one language into code, string and comment segments. */
function lexCode(text: string, lang: Lang, out: Seg[]): void {
  let i = 0;
  let code = '';
  const flush = (): void => { if (code) out.push({ kind: 'code', text: code, lang }); code = ''; };
  while (i < text.length) {
    const c = text[i];
    let end = -1;
    let kind: Seg['kind'] = 'str';
    if (lang === 'vb') {
      if (c === '"') {
        end = i + 1;
        while (end < text.length && text[end] !== '\n' && !(text[end] === '"' && text[end + 1] !== '"')) end += text[end] === '"' ? 2 : 1;
        // A VBScript string never spans lines: a lone quote (a WAF-bypass trick such as <!--"-->) is code.
        end = text[end] === '"' ? end + 1 : -1;
      }
      else if (c === "'") { kind = 'comment'; end = text.indexOf('\n', i); if (end < 0) end = text.length; }
    } else if (c === '"' || (c === "'" && lang === 'jscript') || (c === "'" && lang === 'csharp')) {
      const verbatim = lang === 'csharp' && c === '"' && text[i - 1] === '@';
      end = i + 1;
      while (end < text.length && text[end] !== c && (verbatim || text[end] !== '\n')) end += !verbatim && text[end] === '\\' ? 2 : verbatim && text[end] === '"' && text[end + 1] === '"' ? 2 : 1;
      end = text[end] === c ? end + 1 : -1;
    } else if (c === '/' && text[i + 1] === '/') { kind = 'comment'; end = text.indexOf('\n', i); if (end < 0) end = text.length; }
    else if (c === '/' && text[i + 1] === '*') { kind = 'comment'; end = text.indexOf('*/', i + 2); end = end < 0 ? text.length : end + 2; }
    if (end < 0) { code += c; i++; continue; }
    flush();
    out.push({ kind, text: text.slice(i, Math.min(end, text.length)), lang });
    i = Math.min(end, text.length);
  }
  flush();
}

/** The page cut into markup and server code (`<% %>` blocks, `<script runat=server>` blocks, a handler's body). */
export function segments(name: string, text: string): Seg[] {
  const lang = pageLang(name, text);
  const out: Seg[] = [];
  const re = /<%(?!@|--)=?([\s\S]*?)%>|(<script\b[^>]*runat\s*=\s*["']?server[^>]*>)([\s\S]*?)(<\/script\s*>)/gi;
  let at = 0;
  const handler = /\.(ashx|asmx)$/i.test(name);
  if (handler) {
    const d = /<%@[\s\S]*?%>/.exec(text);
    const start = d ? d.index + d[0].length : 0;
    out.push({ kind: 'html', text: text.slice(0, start), lang });
    lexCode(text.slice(start), lang, out);
    return out;
  }
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2]) {
      out.push({ kind: 'html', text: text.slice(at, m.index) + m[2], lang });
      const l = /language\s*=\s*["']?([\w#]+)/i.exec(m[2]);
      lexCode(m[3], l ? langOf(l[1], lang) : lang, out);
      out.push({ kind: 'html', text: m[4], lang });
    } else {
      const open = m[0].startsWith('<%=') ? '<%=' : '<%';
      out.push({ kind: 'html', text: text.slice(at, m.index) + open, lang });
      lexCode(m[1], lang, out);
      out.push({ kind: 'html', text: '%>', lang });
    }
    at = m.index + m[0].length;
  }
  out.push({ kind: 'html', text: text.slice(at), lang });
  return out;
}

const join = (segs: Seg[]): string => segs.map((s) => s.text).join('');

/** A fresh identifier (letters first; no keyword of the three languages is 5+ random letters with a digit). */
const ident = (r: Rng, n = 3 + r.int(6)): string => 'abcdefghijklmnopqrstuvwxyz'[r.int(26)] + r.hex(n - 2) + r.int(10);

// Literals a variant keeps: the eval security argument, ProgIDs/class names, shell names, method names looked up by name.
const KEYWORD_LITERAL = /^(unsafe|load|cmd(\.exe)?|powershell(\.exe)?|command\.com|\/c|\/k|[a-z]\w*(\.[a-z]\w*)+(\.\d+)*)$/i;
const unquote = (s: string): string => s.replace(/^@?["']|["']$/g, '');

// ---------- the operators ----------

const REQ = /\bRequest(\s*\.\s*(Form|QueryString|Item|Params))?\s*([[(])\s*(["'])([^"'\r\n]{1,40})\4\s*([\])])/gi;

/** Request parameter names → new names (the same name everywhere in the page). */
function renameParams(text: string, r: Rng): string {
  const map = new Map<string, string>();
  return text.replace(REQ, (all, acc: string | undefined, _k, open: string, q: string, name: string, close: string) => {
    if (!/^[\w-]+$/.test(name)) return all;
    const key = name.toLowerCase();
    if (!map.has(key)) map.set(key, ident(r));
    return `Request${acc ?? ''}${open}${q}${map.get(key)}${q}${close}`;
  });
}

/** `Request.Form[...]` ↔ `Request.Item[...]` ↔ `Request[...]` ↔ `Request.Params[...]` (and the VBScript/JScript call forms). */
function swapAccessor(segs: Seg[], r: Rng): Seg[] {
  return mapText(segs, (text, lang) => text.replace(REQ, (all, acc: string | undefined, kind: string | undefined, _o, q: string, name: string) => {
    if (kind && /querystring/i.test(kind)) return all;
    const forms = lang === 'vb' ? ['', '.Form', '.Item'] : ['', '.Form', '.Item', '.Params'];
    const a = r.pick(forms);
    const paren = lang === 'vb' || (lang === 'jscript' && a !== '' && r.int(2) === 0);
    return `Request${a}${paren ? '(' : '['}${q}${name}${q}${paren ? ')' : ']'}`;
  }), true);
}

const DECL = { csharp: /\b(?:var|string|int|object|bool|byte\s*\[\s*\]|String|Object|Socket|Process|ProcessStartInfo)\s+([A-Za-z_]\w{0,30})\s*[=;,)]/g,
  jscript: /\bvar\s+([A-Za-z_$][\w$]{0,30})/g, vb: /\b(?:Dim|Set|Const)\s+([A-Za-z_]\w{0,30})/gi };
const RESERVED = /^(request|response|server|session|application|context|page|eval|this|e|sender|args|value|item|length|i|j|k)$/i;

/** Variables declared in the page → new names, whole words in code only (never after a dot: a member name). */
function renameVars(segs: Seg[], r: Rng): Seg[] {
  const code = segs.filter((s) => s.kind === 'code');
  const all = code.map((s) => s.text).join('\n');
  const names = new Map<string, string>();
  for (const s of code) for (const m of s.text.matchAll(DECL[s.lang])) {
    const n = m[1];
    if (RESERVED.test(n) || new RegExp(`\\.\\s*${n}\\b`, 'i').test(all)) continue;
    names.set(s.lang === 'vb' ? n.toLowerCase() : n, ident(r));
  }
  if (!names.size) return segs;
  return segs.map((s) => {
    if (s.kind !== 'code') return s;
    const text = s.text.replace(/(^|[^.\w$])([A-Za-z_$][\w$]*)/g, (all, pre: string, w: string) => {
      const to = names.get(s.lang === 'vb' ? w.toLowerCase() : w);
      return to ? pre + to : all;
    });
    return { ...s, text };
  });
}

/** Word-like string literals in code (passwords, keys, markers) → other words of the same length. */
function changeLiterals(segs: Seg[], r: Rng): Seg[] {
  return segs.map((s) => {
    const body = unquote(s.text);
    if (s.kind !== 'str' || !/^[A-Za-z0-9_]{2,40}$/.test(body) || KEYWORD_LITERAL.test(body) || r.int(3) === 0) return s;
    const q = s.text.startsWith('@') ? s.text.slice(0, 2) : s.text[0];
    return { ...s, text: `${q}${ident(r, body.length)}${s.text.slice(-1)}` };
  });
}

/** String literals of code split into concatenations ("abcd" → "ab"+"cd"; VBScript "ab" & "cd"). */
function splitLiterals(segs: Seg[], r: Rng): Seg[] {
  return segs.map((s, i) => {
    if (s.kind !== 'str' || s.text.startsWith('@') || s.text[0] === "'" && s.lang === 'csharp') return s;
    const body = s.text.slice(1, -1);
    if (body.length < 4 || KEYWORD_LITERAL.test(body) || r.int(2) === 0) return s;
    const before = segs[i - 1]?.kind === 'code' ? segs[i - 1].text : '';
    if (s.lang === 'vb' && /(^|\n)\s*(const|case)\b[^\n]*$/i.test(before)) return s;
    if (/\bcase\s*$|\[\s*\w*\s*\(\s*$/i.test(before)) return s;
    let at = 1 + r.int(body.length - 1);
    while (at > 0 && (body[at - 1] === '\\' || (s.lang === 'vb' && body[at - 1] === '"'))) at--;
    if (at === 0) return s;
    const q = s.text[0];
    return { ...s, text: `${q}${body.slice(0, at)}${q}${s.lang === 'vb' ? ' & ' : '+'}${q}${body.slice(at)}${q}` };
  });
}

/** VBScript ignores case: code (not its strings, except ProgIDs) gets random case. */
function changeCase(segs: Seg[], r: Rng): Seg[] {
  const flip = (t: string): string => t.replace(/[A-Za-z]/g, (c) => (r.int(3) === 0 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c));
  return segs.map((s) => {
    if (s.lang !== 'vb') return s;
    if (s.kind === 'code') return { ...s, text: flip(s.text) };
    if (s.kind === 'str' && /^"[A-Za-z]+\.[A-Za-z]+(\.\d+)?"$/.test(s.text)) return { ...s, text: flip(s.text) };
    return s;
  });
}

/** Whitespace and comments between tokens (C#/JScript: around ( , . and block comments; VBScript: spaces and ' comment lines). */
function addSpace(segs: Seg[], r: Rng): Seg[] {
  const gap = (lang: Lang): string => lang === 'vb' ? r.pick([' ', '  ', '\t'])
    : r.pick([' ', '\t', ' /* */ ', `/*${ident(r)}*/`, '\r\n    ']);
  return segs.map((s) => {
    if (s.kind !== 'code') return s;
    let text = s.lang === 'vb'
      ? s.text.replace(/([(,])/g, (c) => (r.int(2) ? c + gap('vb') : c))
      : s.text.replace(/([(,])|([A-Za-z_)\]])\s*\.\s*(?=[A-Za-z_])/g, (all, p: string | undefined, id: string | undefined) =>
        r.int(2) ? all : p ? p + gap(s.lang) : `${id}${gap(s.lang)}.${r.int(2) ? ' ' : ''}`);
    if (s.lang === 'vb') text = text.replace(/\r?\n(?=[ \t]*\w)/g, (nl) => (r.int(4) === 0 ? `${nl}' ${ident(r)}${nl}` : nl));
    return { ...s, text };
  });
}

/** JScript.NET eval spellings: `eval (x, 'unsafe')`, `eval(x,"unsafe")`. */
function evalSpelling(segs: Seg[], r: Rng): Seg[] {
  return segs.map((s) => {
    if (s.lang !== 'jscript') return s;
    if (s.kind === 'code') return { ...s, text: s.text.replace(/\beval\s*\(/g, () => r.pick(['eval(', 'eval (', 'eval\t(', 'eval( '])) };
    if (s.kind === 'str' && /^["']unsafe["']$/i.test(s.text)) return { ...s, text: r.pick(['"unsafe"', "'unsafe'", '"UNSAFE"', "'Unsafe'"]) };
    return s;
  });
}

const LANG_NAMES: Record<Lang, string[]> = { jscript: ['JScript', 'Jscript', 'JSCRIPT', 'javascript', 'js'], csharp: ['C#', 'c#', 'cs', 'csharp', 'CSharp'], vb: ['VB', 'vb', 'VBScript', 'vbscript'] };

/** Page directives and script tags: keyword case, quoting and the language's other accepted names. */
function directives(text: string, name: string, r: Rng): string {
  const classic = isClassic(name);
  const langName = (v: string, fb: Lang): string => {
    const l = langOf(v, fb);
    if (classic) return l === 'jscript' ? r.pick(['JScript', 'JSCRIPT', 'JavaScript']) : r.pick(['VBScript', 'VBSCRIPT', 'vbscript']);
    return r.pick(LANG_NAMES[l]);
  };
  const q = (): string => r.pick(['"', "'", '"']);
  return text
    .replace(/<%@(\s*)(page|webhandler|webservice|language)\b/gi, (_a, sp: string, kw: string) => `<%@${sp || r.pick(['', ' '])}${r.int(2) ? kw.toUpperCase() : kw.toLowerCase()}`)
    .replace(/(<%@[^%]*?|<script\b[^>]*?)\blanguage\s*=\s*["']?([\w#.]+)["']?/gi, (_a, pre: string, v: string) => {
      const qq = q();
      return `${pre}${r.pick(['Language', 'language', 'LANGUAGE'])}=${qq}${langName(v, classic ? 'vb' : 'csharp')}${qq}`;
    })
    .replace(/\brunat\s*=\s*["']?server["']?/gi, () => r.pick(['runat="server"', "runat='server'", 'runat=server', 'RUNAT="Server"']));
}

function mapText(segs: Seg[], f: (text: string, lang: Lang) => string, codeAndStrings = false): Seg[] {
  if (!codeAndStrings) return segs.map((s) => (s.kind === 'code' ? { ...s, text: f(s.text, s.lang) } : s));
  // Request["x"] spans a code and a string segment: rewrite runs of adjacent code+string segments of one language.
  const out: Seg[] = [];
  for (let i = 0; i < segs.length;) {
    if (segs[i].kind !== 'code') { out.push(segs[i++]); continue; }
    let j = i;
    while (j < segs.length && (segs[j].kind === 'code' || segs[j].kind === 'str') && segs[j].lang === segs[i].lang) j++;
    const text = f(join(segs.slice(i, j)), segs[i].lang);
    lexCode(text, segs[i].lang, out);
    i = j;
  }
  return out;
}

/** The mutant of a page under some operators (all by default), deterministic per (seed, name). */
export function mutate(name: string, bytes: Buffer, seed: number, ops: readonly Op[] = OPS): Buffer {
  let text = bytes.toString('latin1');
  if (text.includes('#@~^')) return bytes;
  const r = rngFor(seed, name);
  const has = (o: Op): boolean => ops.includes(o);
  if (has('params')) text = renameParams(text, r);
  if (has('directive')) text = directives(text, name, r);
  let segs = segments(name, text);
  if (has('accessor')) segs = swapAccessor(segs, r);
  if (has('vars')) segs = renameVars(segs, r);
  if (has('literals')) segs = changeLiterals(segs, r);
  if (has('eval')) segs = evalSpelling(segs, r);
  if (has('split')) segs = splitLiterals(segs, r);
  if (has('case')) segs = changeCase(segs, r);
  if (has('space')) segs = addSpace(segs, r);
  return Buffer.from(join(segs), 'latin1');
}

/** A JScript one-liner shell recast as HAFNIUM's OAB ExternalUrl injection (a settings dump carrying a script
 *  block), or null when the page is not a short JScript page. */
export function asOabOneLiner(name: string, bytes: Buffer, seed: number): Buffer | null {
  const text = bytes.toString('latin1');
  if (bytes.length > 2048 || pageLang(name, text) !== 'jscript' || isClassic(name)) return null;
  const code = segments(name, text).filter((s) => s.kind !== 'html').map((s) => s.text).join('').replace(/\s*\r?\n\s*/g, ' ').trim();
  if (!code) return null;
  const r = rngFor(seed, `oab:${name}`);
  const host = `EX${r.int(90) + 10}`;
  const body = /function\s+Page_Load/.test(code) ? code : `function Page_Load(){${code}}`;
  const lines = [
    `Name                            : OAB (Default Web Site)`,
    `PollInterval                    : 480`,
    `RequireSSL                      : False`,
    `MetabasePath                    : IIS://${host}.corp.example/W3SVC/1/ROOT/OAB`,
    `ExtendedProtectionTokenChecking : None`,
    `Server                          : ${host}`,
    `InternalUrl                     : https://${host.toLowerCase()}.corp.example/OAB`,
    `InternalAuthenticationMethods   : WindowsIntegrated`,
    `ExternalUrl                     : http://${r.pick(['f', 'g', 'x'])}/<script language="${r.pick(['JScript', 'Jscript'])}" runat="server">${body}</script>`,
    `ExternalAuthenticationMethods   : WindowsIntegrated`,
    `Identity                        : ${host}\\OAB (Default Web Site)`,
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
}
