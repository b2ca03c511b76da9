// Badges for how sure Loupe is (confidence), the per-intrusion mail answer and a story stage.
import type { MailAnswer, StoryStage } from '../../../shared/api.ts';
import { CONFIDENCE_LABELS } from '../../../shared/types.ts';
import type { Confidence } from '../../../shared/types.ts';

export function ConfidenceBadge({ c, reason }: { c: Confidence | null | undefined; reason?: string | null }) {
  return (
    <span className={`badge conf ${c ?? ''}`} data-testid="confidence" title={reason ?? undefined}>
      {c ? CONFIDENCE_LABELS[c] : 'not assessed'}
    </span>
  );
}

export const MAIL_LABEL: Record<MailAnswer, string> = {
  exported: 'mail exported', accessed: 'mail accessed', 'no-evidence': 'no sign of mail access', 'not-covered': 'not covered by the logs',
};

export function MailBadge({ a }: { a: MailAnswer }) {
  return <span className={`badge mail ${a}`} data-testid="mail-answer">{MAIL_LABEL[a]}</span>;
}

export const STAGE_LABEL: Record<StoryStage, string> = {
  scan: 'scan', ssrf: 'SSRF', 'config-change': 'config change', 'shell-written': 'shell written', 'shell-used': 'shell used', 'follow-on': 'follow-on',
};

export function StageBadge({ s }: { s: StoryStage }) {
  return <span className={`badge stage ${s}`}>{STAGE_LABEL[s]}</span>;
}
