// Rule packs: folders of .yar/.yara files. Each file is compiled alone first so an error names its own file and
// line; broken files are left out (and reported), the rest are joined into one rule set.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { yaraEngine } from './yara.ts';

export interface RuleFile { path: string; pack: string; sha256: string; rules: string[]; source: string }
export interface RuleError { file: string; line: number; message: string }
export interface RuleSet { files: RuleFile[]; source: string; rules: string[]; errors: RuleError[] }

export const formatRuleError = (e: RuleError): string => `${e.file}:${e.line}: ${e.message}`;

export class RuleCompileError extends Error {
  constructor(readonly errors: RuleError[]) {
    super(`YARA rules failed to compile:\n${errors.map(formatRuleError).join('\n')}`);
  }
}

const RULE_NAME_RE = /^[ \t]*(?:(?:private|global)[ \t]+)*rule[ \t]+([A-Za-z_][A-Za-z0-9_]*)/gm;

/** Rule names declared in a source (comments are not stripped; a commented-out rule is rare and harmless here). */
export function ruleNames(source: string): string[] {
  return [...source.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(RULE_NAME_RE)].map((m) => m[1]);
}

/** Every .yar/.yara file in a folder, recursively, sorted for a stable order. */
export function listRuleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listRuleFiles(full));
    else if (/\.(yar|yara)$/i.test(entry.name)) out.push(full);
  }
  return out;
}

/** Compiles one file's text alone; returns its errors (warnings dropped) with the file's own line numbers. */
export async function checkRuleSource(file: string, source: string): Promise<RuleError[]> {
  const { errors } = await yaraEngine().run(new Uint8Array(0), source);
  return errors.filter((e) => !e.warning).map((e) => ({ file, line: e.line, message: e.message }));
}

/** Compile errors of rule texts checked alone in this process (by SHA-256): each check is a libyara-wasm compile. */
const checkedAlone = new Map<string, Array<Omit<RuleError, 'file'>>>();

/** Each text's own errors: none for any when all the unchecked ones compile together (one libyara call, not one per
 *  file), else each checked alone, so an error names its own file and line. */
async function checkAll(texts: Array<{ file: string; sha256: string; source: string }>): Promise<Map<string, Array<Omit<RuleError, 'file'>>>> {
  const out = new Map<string, Array<Omit<RuleError, 'file'>>>();
  const todo = [...new Map(texts.filter((t) => !checkedAlone.has(t.sha256)).map((t) => [t.sha256, t])).values()];
  const together = todo.length > 1 && !(await checkRuleSource('', todo.map((t) => t.source).join('\n'))).length;
  for (const t of todo) {
    if (together) { out.set(t.sha256, []); continue; }
    checkedAlone.set(t.sha256, (await checkRuleSource(t.file, t.source)).map(({ line, message }) => ({ line, message })));
  }
  for (const t of texts) if (!out.has(t.sha256)) out.set(t.sha256, checkedAlone.get(t.sha256) ?? []);
  return out;
}

/** Loads every rule file of the given folders; a folder that cannot be read is an error, not a crash. */
export async function loadRuleSet(dirs: string[]): Promise<RuleSet> {
  const set: RuleSet = { files: [], source: '', rules: [], errors: [] };
  const owner = new Map<string, string>();
  const texts: Array<{ dir: string; file: string; buf: Buffer; sha256: string; source: string }> = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = listRuleFiles(dir);
    } catch (e) {
      set.errors.push({ file: dir, line: 0, message: `rule folder not readable (${(e as NodeJS.ErrnoException).code ?? e}) — check the path` });
      continue;
    }
    for (const file of files) {
      const buf = fs.readFileSync(file);
      texts.push({ dir, file, buf, sha256: crypto.createHash('sha256').update(buf).digest('hex'), source: buf.toString('utf8') });
    }
  }
  const checked = await checkAll(texts);
  {
    for (const { dir, file, sha256, source } of texts) {
      const errors: RuleError[] = (checked.get(sha256) ?? []).map((e) => ({ file, ...e }));
      const names = ruleNames(source);
      const clash = names.find((n) => owner.has(n));
      if (clash) errors.push({ file, line: lineOfRule(source, clash), message: `rule "${clash}" is already defined in ${owner.get(clash)}` });
      if (errors.length) { set.errors.push(...errors); continue; }
      for (const n of names) owner.set(n, file);
      set.files.push({ path: file, pack: dir, sha256, rules: names, source });
    }
  }
  set.source = set.files.map((f) => f.source).join('\n');
  set.rules = set.files.flatMap((f) => f.rules);
  return set;
}

/** Like loadRuleSet, but any broken file is an error naming the file and line (for `loupe index --rules`). */
export async function loadRuleSetStrict(dirs: string[]): Promise<RuleSet> {
  const set = await loadRuleSet(dirs);
  if (set.errors.length) throw new RuleCompileError(set.errors);
  return set;
}

function lineOfRule(source: string, name: string): number {
  const at = source.search(new RegExp(`\\brule\\s+${name}\\b`));
  return at < 0 ? 0 : source.slice(0, at).split('\n').length;
}
