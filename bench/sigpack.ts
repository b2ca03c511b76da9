// A generated third-party rule pack in the style of signature-base (700+ rules): `pe`/`math`/`hash` imports, PE
// rules gated on the MZ header, web-shell rules whose strings are common ASP/ASP.NET tokens, string-less rules,
// private rules referenced by others, `for … of` and `at`/`in` conditions. Deterministic (seeded), so bench runs
// compare like with like. Used by bench/yara.ts and by the engine-equality test.
import fs from 'node:fs';
import path from 'node:path';

/** Tokens real web pages contain: rules built on them are the ones a prefilter cannot rule out cheaply. */
const COMMON = ['Request.Form', 'Request.QueryString', 'Response.Write', 'Server.CreateObject', '<%@ Page Language=', 'runat="server"',
  'System.IO', 'using System;', 'Request[', 'Server.MapPath', '<script', 'function ', 'document.getElementById', 'Session(',
  'ConnectionString', 'CreateObject(', 'FileSystemObject', 'ExecuteReader', 'Response.End', '<asp:TextBox'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

function word(r: () => number, n = 8): string {
  const abc = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
  let w = '';
  for (let i = 0; i < n; i++) w += abc[Math.floor(r() * abc.length)];
  return w;
}
const hex = (r: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(r() * 256).toString(16).padStart(2, '0').toUpperCase()).join(' ');
const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const meta = (i: number, kind: string): string =>
  `  meta:\n    description = "Generated ${kind} rule ${i}"\n    author = "Loupe bench"\n    reference = "generated"\n    date = "2021-03-0${1 + (i % 9)}"\n    hash1 = "${'0'.repeat(56)}${i.toString(16).padStart(8, '0')}"\n    score = ${60 + (i % 40)}\n`;

function webRule(i: number, r: () => number): string {
  const common = Array.from({ length: 3 }, () => COMMON[Math.floor(r() * COMMON.length)]);
  const rare = Array.from({ length: 3 }, () => word(r, 10));
  const strs = [
    ...common.map((c, k) => `    $s${k} = "${esc(c)}" ascii`),
    ...rare.map((w, k) => `    $x${k} = "${w}" ${k === 1 ? 'ascii wide' : k === 2 ? 'nocase' : 'fullword ascii'}`),
    `    $re = /${word(r, 6)}\\s*\\(\\s*Request/ nocase`,
  ];
  const conds = ['filesize < 300KB and (1 of ($x*) or $re or 2 of ($s*))', 'filesize < 200KB and all of ($s*) and (1 of ($x*) or $re)',
    '(uint16(0) == 0x253c or uint16(0) == 0x3f3c) and 2 of them', 'any of ($x*) and #s0 > 0 and ($s1 or $s2 or $re)'];
  return `rule GEN_Webshell_${i} {\n${meta(i, 'web shell')}  strings:\n${strs.join('\n')}\n  condition:\n    ${conds[i % conds.length]}\n}`;
}

function peRule(i: number, r: () => number): string {
  const strs = [`    $h0 = { ${hex(r, 4)} [2-6] ${hex(r, 3)} ?? ${hex(r, 2)} }`, `    $a0 = "${word(r, 12)}.dll" fullword ascii`,
    `    $a1 = "${word(r, 9)}" wide`, `    $a2 = "\\\\${word(r, 7)}\\\\pipe" ascii`];
  const conds = [`uint16(0) == 0x5a4d and filesize < 2MB and (pe.imphash() == "${word(r, 32).toLowerCase()}" or 2 of them)`,
    'uint16(0) == 0x5a4d and filesize < 500KB and 3 of them',
    `uint16(0) == 0x5a4d and (pe.exports("${word(r, 8)}") or ($h0 and 1 of ($a*)))`,
    'uint16(0) == 0x5a4d and pe.number_of_sections > 4 and $h0 in (0..4096) and 1 of ($a*)'];
  return `rule GEN_PE_${i} {\n${meta(i, 'PE')}  strings:\n${strs.join('\n')}\n  condition:\n    ${conds[i % conds.length]}\n}`;
}

function stringless(i: number, r: () => number): string {
  const conds = [`uint16(0) == 0x5a4d and pe.number_of_sections == ${3 + (i % 6)} and pe.timestamp == ${1500000000 + Math.floor(r() * 1e8)}`,
    `uint16(0) == 0x5a4d and filesize < 64KB and math.entropy(0, filesize) >= 7.95`,
    `filesize == ${1000 + Math.floor(r() * 90000)} and hash.md5(0, filesize) == "${word(r, 32).toLowerCase().replace(/[^0-9a-f]/g, 'a')}"`,
    `uint32(0) == 0x${hex(r, 4).replace(/ /g, '')} and filesize < 10MB`];
  return `rule GEN_NoStrings_${i} {\n${meta(i, 'string-less')}  condition:\n    ${conds[i % conds.length]}\n}`;
}

function privatePair(i: number, r: () => number): string {
  return `private rule GEN_Private_${i} {\n  strings:\n    $p = "${word(r, 11)}" ascii\n  condition:\n    $p\n}\n` +
    `rule GEN_UsesPrivate_${i} {\n${meta(i, 'dependent')}  strings:\n    $q = "${word(r, 8)}"\n    $c = "${esc(COMMON[i % COMMON.length])}"\n` +
    `  condition:\n    GEN_Private_${i} or ($q at 0) or (for any of ($c) : (# > 2) and $q)\n}`;
}

/** The pack's source: about `n` rules (every tenth slot is a private rule plus a rule that uses it). */
export function signatureBaseStylePack(n = 720, seed = 11): string {
  const r = rng(seed);
  const parts = ['import "pe"', 'import "math"', 'import "hash"', ''];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 9) parts.push(privatePair(i, r));
    else if (i % 10 < 5) parts.push(webRule(i, r));
    else if (i % 10 < 8) parts.push(peRule(i, r));
    else parts.push(stringless(i, r));
  }
  return parts.join('\n') + '\n';
}

/** Writes the pack as one .yar file in `dir` and returns its path. */
export function writeSignatureBaseStylePack(dir: string, n = 720): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'generated_signature_base_style.yar');
  fs.writeFileSync(file, signatureBaseStylePack(n));
  return file;
}
