// Tolerant readers for JSON stored in the case (findings' evidence/details, events' fields): bad JSON reads as empty.
import type { EvidenceRef } from '../../shared/types.ts';

export function parseRefs(json: string): EvidenceRef[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((r): r is EvidenceRef => !!r && typeof r === 'object' && typeof (r as EvidenceRef).file === 'string') : [];
  } catch {
    return [];
  }
}

export function parseObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'string') return {};
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String) : [];
}
