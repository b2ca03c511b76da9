import type { FileQuery } from '../../shared/api.ts';

/** A 32/40/64-hex string is a hash; anything with * ? [ is a glob; the rest is a substring. */
export function fileQueryFor(input: string): FileQuery {
  const s = input.trim();
  if (!s) return {};
  if (/^([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i.test(s)) return { hash: s };
  if (/[*?[]/.test(s)) return { glob: s };
  return { text: s };
}
