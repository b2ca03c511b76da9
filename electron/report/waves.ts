// The executive summary's answer to "which exploitation waves reached this server, and when?": per wave (in the order
// they came), whether any of its CVEs was exploited or attempted, its first trace, and what followed in the intrusions
// its evidence belongs to (stages reached, web shells, the mail answer).
import type { CveVerdict, MailAnswer, StoryStage } from '../../shared/api.ts';
import type { EvidenceRef, Micros } from '../../shared/types.ts';
import { WAVE_ORDER } from '../detect/waves.ts';
import type { ReportStory } from './model-types.ts';

export interface WaveFact {
  wave: string;
  /** 'exploited' when any of its CVEs is; 'attempted' when only attempts; null when nothing of it was seen. */
  reached: 'exploited' | 'attempted' | null;
  cves: Array<{ cve: string; verdict: string }>;
  firstSeen: Micros | null;
  /** The intrusions holding its evidence. */
  intrusions: Array<{ id: number; ips: string[]; stages: StoryStage[]; shells: string[]; mail: MailAnswer }>;
}

const key = (r: EvidenceRef): string => `${r.file}\u0000${r.line ?? ''}\u0000${r.record ?? ''}`;

/** Waves in the order they came (a wave of a check added later, unknown here, goes last). */
function waveNames(verdicts: CveVerdict[]): string[] {
  const known = WAVE_ORDER.filter((w) => verdicts.some((v) => v.wave === w));
  return [...known, ...[...new Set(verdicts.map((v) => v.wave))].filter((w) => !known.includes(w))];
}

export function waveFacts(verdicts: CveVerdict[], stories: ReportStory[]): WaveFact[] {
  return waveNames(verdicts).map((wave) => {
    const mine = verdicts.filter((v) => v.wave === wave);
    const hit = mine.filter((v) => v.verdict === 'exploited' || v.verdict === 'attempted');
    const refs = new Set(hit.flatMap((v) => v.evidence.map(key)));
    const told = stories.filter((s) => s.intrusion && s.steps.some((st) => st.ref && refs.has(key(st.ref))));
    const firsts = hit.map((v) => v.firstSeen ?? null).filter((t): t is number => t !== null);
    return {
      wave,
      reached: hit.some((v) => v.verdict === 'exploited') ? 'exploited' : hit.length ? 'attempted' : null,
      cves: mine.map((v) => ({ cve: v.cve, verdict: v.verdict })),
      firstSeen: firsts.length ? Math.min(...firsts) : null,
      intrusions: told.map((s) => ({ id: s.intrusion!.id, ips: s.intrusion!.ips, stages: s.intrusion!.stages, shells: s.intrusion!.shells, mail: s.intrusion!.mail.answer })),
    };
  });
}
