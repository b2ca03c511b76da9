// IOC exports: a CSV of the indicators found, and a STIX 2.1 bundle (identity + one indicator each, deterministic ids).
import crypto from 'node:crypto';
import type { Db } from '../case/db.ts';
import { getMeta } from '../case/db.ts';
import { CONFIDENCE_LABELS, microsToIso } from '../../shared/types.ts';
import type { Confidence } from '../../shared/types.ts';
import { gatherWebshells } from './detections.ts';
import { collectIndicators, readFindings } from './indicators.ts';
import type { Indicator } from './model-types.ts';
import { csvSink, type CsvOptions } from './sink.ts';
import { writeFileAtomic } from '../safe-write.ts';

/** Namespace for Loupe's UUIDv5 STIX ids (a fixed random UUID): the same indicator always gets the same id. */
const LOUPE_STIX_NAMESPACE = '6f0d8b52-3a54-4b8e-9c1e-2d7a4f61b0c3';

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace = LOUPE_STIX_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A STIX pattern string literal: backslash and quote escaped. */
const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function stixPattern(i: Indicator): string {
  switch (i.type) {
    case 'ipv4': return `[ipv4-addr:value = ${lit(i.value)}]`;
    case 'ipv6': return `[ipv6-addr:value = ${lit(i.value)}]`;
    case 'sha256': return `[file:hashes.'SHA-256' = ${lit(i.value)}]`;
    case 'sha1': return `[file:hashes.'SHA-1' = ${lit(i.value)}]`;
    case 'md5': return `[file:hashes.MD5 = ${lit(i.value)}]`;
    case 'filepath': {
      const cut = Math.max(i.value.lastIndexOf('\\'), i.value.lastIndexOf('/'));
      if (cut < 0) return `[file:name = ${lit(i.value)}]`;
      return `[file:name = ${lit(i.value.slice(cut + 1))} AND file:parent_directory_ref.path = ${lit(i.value.slice(0, cut))}]`;
    }
  }
}

const INDICATOR_NAMES: Record<Indicator['type'], string> = {
  ipv4: 'Attacker IP address', ipv6: 'Attacker IP address', sha256: 'Malicious file SHA-256', sha1: 'Malicious file SHA-1',
  md5: 'Malicious file MD5', filepath: 'Web shell / malicious file path',
};

/** STIX 2.1 `confidence` (0–100, the spec's "High/Med/Low/None" scale midpoints). */
export const STIX_CONFIDENCE: Record<Confidence, number> = { confirmed: 95, likely: 70, review: 35, info: 10 };

/** The name of an indicator: what it is, worded by how sure Loupe is (a scanner's IP is not an "attacker IP"). */
export function indicatorName(i: Indicator): string {
  if (i.confidence === 'confirmed' || i.confidence === 'likely') return `${INDICATOR_NAMES[i.type]}: ${i.value}`;
  return `${CONFIDENCE_LABELS[i.confidence]} — ${i.type === 'ipv4' || i.type === 'ipv6' ? 'IP address' : i.type === 'filepath' ? 'file path' : `file ${i.type.toUpperCase()}`}: ${i.value}`;
}

/** The findings an indicator came from, in one line. */
export const sourcesText = (i: Indicator): string =>
  i.sources.map((s) => `${s.title} [${s.check}, ${s.confidence ? CONFIDENCE_LABELS[s.confidence] : 'not assessed'}]`).join('; ');

export function stixBundle(indicators: Indicator[], producer: string, now = new Date().toISOString()): Record<string, unknown> {
  const identity = {
    type: 'identity', spec_version: '2.1', id: `identity--${uuidV5(`identity:${producer}`)}`,
    created: now, modified: now, name: producer, identity_class: 'organization',
  };
  const objects = indicators.map((i) => ({
    type: 'indicator', spec_version: '2.1', id: `indicator--${uuidV5(`${i.type}:${i.value.toLowerCase()}`)}`,
    created_by_ref: identity.id, created: now, modified: now,
    name: indicatorName(i),
    description: `Observed in a Loupe case; confidence ${CONFIDENCE_LABELS[i.confidence]}. From: ${sourcesText(i)}.`,
    indicator_types: i.confidence === 'confirmed' || i.confidence === 'likely' ? ['malicious-activity'] : ['anomalous-activity'],
    confidence: STIX_CONFIDENCE[i.confidence],
    pattern: stixPattern(i), pattern_type: 'stix', pattern_version: '2.1',
    valid_from: i.firstSeen !== null ? new Date(Math.floor(i.firstSeen / 1000)).toISOString() : now,
    labels: [...i.context, `confidence:${i.confidence}`],
  }));
  return { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [identity, ...objects] };
}

/** The case's indicators to share: confirmed and likely ones, or all of them when review is asked for. */
export function caseIndicators(db: Db, includeReview = false): { list: Indicator[]; hidden: number } {
  return collectIndicators(readFindings(db), gatherWebshells(db).value, includeReview);
}

export const IOC_CSV_COLUMNS = ['Indicator', 'IndicatorType', 'FirstSeen', 'Description', 'Confidence', 'Findings'];

export async function exportIocs(db: Db, format: 'stix' | 'ioc-csv', outPath: string, includeReview = false, csv: CsvOptions = {}): Promise<{ rows: number; bytes: number }> {
  const indicators = caseIndicators(db, includeReview).list;
  if (format === 'stix') {
    const producer = getMeta(db, 'companyName') || 'Loupe';
    const text = `${JSON.stringify(stixBundle(indicators, producer), null, 2)}\n`;
    return { rows: indicators.length, bytes: await writeFileAtomic(outPath, text) };
  }
  const sink = await csvSink(outPath, IOC_CSV_COLUMNS, csv);
  try {
    for (const i of indicators) {
      await sink.write([i.value, i.type, i.firstSeen === null ? '' : microsToIso(i.firstSeen), i.context.join('; '), CONFIDENCE_LABELS[i.confidence], sourcesText(i)]);
    }
  } catch (e) {
    await sink.abort();
    throw e;
  }
  return { rows: indicators.length, bytes: await sink.close() };
}
