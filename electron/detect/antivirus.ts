// Microsoft Defender on the server: what it detected (a web shell in owa\auth, an LSASS dump, Mimikatz), what it did
// about it (quarantined, or allowed and left in place, or failed), and protection turned off or folders excluded.
// One finding per threat and file; a detection of an Exchange attack family or in a web folder is confirmed.
import type { Db } from '../case/db.ts';
import { fieldSql, FieldSelection } from '../case/fields.ts';
import { microsToIso } from '../../shared/types.ts';
import {
  DEFENDER_ACTED, DEFENDER_DETECTED, DEFENDER_DISABLED, DEFENDER_FAILED, DEFENDER_PROVIDERS, defenderAction, defenderPaths,
  isExchangeAttackThreat, isRemoval,
} from '../../shared/defender.ts';
import { isExchangeWebFolder, isWebRoot, normWin } from './paths.ts';
import { when } from './hits.ts';
import { keptEvents, str } from './rows.ts';
import type { EventHit, FileInfo } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

const READ = new FieldSelection(['EventID', 'Provider']);
const RELEVANT = new Set([...DEFENDER_DETECTED, ...DEFENDER_ACTED, ...DEFENDER_FAILED, ...Object.keys(DEFENDER_DISABLED).map(Number), 5007]);

const eventId = (h: EventHit): number => Number(h.fields['EventID']);
const data = (h: EventHit, name: string): string => str(h.fields, `data.${name}`).trim();

/** Defender's events of interest, in time order. */
function defenderEvents(db: Db): EventHit[] {
  const provider = fieldSql('Provider');
  const names = [...DEFENDER_PROVIDERS];
  return [...keptEvents(db, `e.source = 'evtx' AND ${provider.sql} IN (${names.map(() => '?').join(',')})`, [...provider.params, ...names], READ,
    (h) => RELEVANT.has(eventId(h)))];
}

interface Threat { name: string; path: string; paths: string[]; detections: EventHit[]; actions: EventHit[]; failures: EventHit[] }

/** Detections grouped by threat and first file; the actions joined to them by Detection ID (else by threat and file). */
function groupThreats(events: EventHit[]): Threat[] {
  const threats = new Map<string, Threat>();
  const byDetection = new Map<string, Threat>();
  const keyOf = (h: EventHit): { key: string; name: string; paths: string[] } => {
    const paths = defenderPaths(data(h, 'Path'));
    const name = data(h, 'Threat Name') || '(unnamed threat)';
    return { key: `${name.toLowerCase()}\u0000${normWin(paths[0] ?? '')}`, name, paths };
  };
  for (const h of events.filter((x) => DEFENDER_DETECTED.has(eventId(x)))) {
    const { key, name, paths } = keyOf(h);
    let t = threats.get(key);
    if (!t) threats.set(key, t = { name, path: paths[0] ?? '', paths: [], detections: [], actions: [], failures: [] });
    for (const p of paths) if (!t.paths.includes(p)) t.paths.push(p);
    t.detections.push(h);
    const id = data(h, 'Detection ID');
    if (id) byDetection.set(id.toLowerCase(), t);
  }
  for (const h of events.filter((x) => DEFENDER_ACTED.has(eventId(x)) || DEFENDER_FAILED.has(eventId(x)))) {
    const t = byDetection.get(data(h, 'Detection ID').toLowerCase()) ?? threats.get(keyOf(h).key);
    if (t) (DEFENDER_FAILED.has(eventId(h)) ? t.failures : t.actions).push(h);
  }
  return [...threats.values()];
}

const inWebFolder = (p: string): boolean => isWebRoot(p) || isExchangeWebFolder(p);

/** What became of the file: the last action Defender reported, or that none was recorded. */
function outcomeOf(t: Threat): { text: string; removed: boolean } {
  const last = [...t.actions, ...t.failures].sort((a, b) => a.ts - b.ts).pop();
  if (!last) return { text: 'no action recorded: the file may still be there', removed: false };
  const action = defenderAction(data(last, 'Action ID'), data(last, 'Action Name'));
  if (DEFENDER_FAILED.has(eventId(last))) return { text: `${action} FAILED: the file may still be there`, removed: false };
  const again = t.detections.filter((h) => h.ts > last.ts);
  if (again.length) return { text: `${action}, then detected again (last ${when(again[again.length - 1].ts)}): the file may be back`, removed: false };
  return { text: isRemoval(action) ? action : `${action}: the file was left in place`, removed: isRemoval(action) };
}

function threatFinding(t: Threat, files: Map<string, FileInfo>): PendingFinding {
  const hits = [...t.detections, ...t.actions, ...t.failures].sort((a, b) => a.ts - b.ts);
  const exchangeFamily = isExchangeAttackThreat(t.name);
  const web = t.paths.some(inWebFolder);
  const low = /^(low|moderate)$/i.test(data(t.detections[0], 'Severity Name')) || /unwanted/i.test(data(t.detections[0], 'Category Name'));
  const outcome = outcomeOf(t);
  const n = t.detections.length;
  const where = t.path ? ` in ${t.path}${t.paths.length > 1 ? ` (+${t.paths.length - 1} more file${t.paths.length > 2 ? 's' : ''})` : ''}` : '';
  const [severity, confidence, reason] = exchangeFamily || web
    ? ['critical', 'confirmed', `Defender's signature ${exchangeFamily ? 'names an Exchange-attack or web-shell family' : 'matched a file in a web folder'}: the file was on the server`] as const
    : low
      ? ['medium', 'review', 'a low-severity or potentially-unwanted detection: often an administrator\'s tool'] as const
      : ['high', 'likely', 'a Defender signature matched a file on the server; check whether it is an administrator\'s or tester\'s tool'] as const;
  const file = files.get(normWin(t.path));
  return {
    finding: {
      check: CHECK.avDetection, severity, confidence, confidenceReason: reason,
      title: `Microsoft Defender detected ${t.name}${where}: ${outcome.text} (${n} detection${n === 1 ? '' : 's'}, first ${when(t.detections[0].ts)})`,
      path: t.path || null, time: microsToIso(t.detections[0].ts), sha256: file?.sha256 ?? null, evidence: hits.map((h) => h.ref),
    },
    fileId: file?.id ?? null,
    details: {
      threat: t.name, paths: t.paths, outcome: outcome.text, removed: outcome.removed, webFolder: web, exchangeFamily,
      process: data(t.detections[0], 'Process Name') || null, user: data(t.detections[0], 'Detection User') || null,
      hits: hits.map((h) => ({ eventId: h.id, ts: h.ts, kind: DEFENDER_DETECTED.has(eventId(h)) ? 'detected' : 'action' })),
    },
  };
}

/** Protection turned off, and exclusions added (attackers exclude their tools' folders); one finding per kind. */
function tamperFindings(events: EventHit[]): PendingFinding[] {
  const groups = new Map<string, EventHit[]>();
  for (const h of events) {
    const id = eventId(h);
    const what = DEFENDER_DISABLED[id]
      ?? (id === 5007 && /\\Exclusions\\/i.test(data(h, 'New Value')) ? `exclusion added: ${exclusionOf(data(h, 'New Value'))}` : null);
    if (what) { const list = groups.get(what); if (list) list.push(h); else groups.set(what, [h]); }
  }
  return [...groups].map(([what, hits]) => ({
    finding: {
      check: CHECK.avTamper, severity: 'high', confidence: 'likely',
      confidenceReason: 'attackers turn Defender off or exclude their folders before running tools; administrators sometimes do the same: check who and when',
      title: `Microsoft Defender ${what} (${hits.length} time${hits.length === 1 ? '' : 's'}, first ${when(hits[0].ts)})`,
      path: null, time: microsToIso(hits[0].ts), sha256: null, evidence: hits.map((h) => h.ref),
    },
    details: { change: what, hits: hits.map((h) => ({ eventId: h.id, ts: h.ts, value: data(h, 'New Value') || null })) },
  }));
}

/** `HKLM\SOFTWARE\Microsoft\Windows Defender\Exclusions\Paths\C:\inetpub = 0x0` → `Paths C:\inetpub`. */
function exclusionOf(value: string): string {
  const m = /\\Exclusions\\([^\\]+)\\(.*?)(?:\s*=\s*[^=]*)?$/i.exec(value);
  return m ? `${m[1]} ${m[2]}` : value;
}

export function checkDefender(db: Db, files: FileInfo[]): PendingFinding[] {
  const events = defenderEvents(db);
  if (!events.length) return [];
  const byPath = new Map(files.filter((f) => f.origPath).map((f) => [normWin(f.origPath!), f]));
  return [...groupThreats(events).map((t) => threatFinding(t, byPath)), ...tamperFindings(events)]
    .sort((a, b) => (a.finding.time ?? '').localeCompare(b.finding.time ?? ''));
}
