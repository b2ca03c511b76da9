// Read-only, size-capped text preview of an evidence file with YARA string matches highlighted.
// The text is attacker-controlled: it is only ever rendered as React text nodes.
// Bidi overrides in the source are shown as ⟨U+202E⟩ per segment, so highlight offsets stay right.
import { showReordering } from '../../../shared/display.ts';
import type { FilePreview } from '../../../shared/api.ts';

export interface Segment { text: string; mark: string | null }

/** Splits text into plain and highlighted segments; overlapping ranges are merged into the first. */
export function splitHighlights(text: string, highlights: FilePreview['highlights']): Segment[] {
  const sorted = [...highlights].filter((h) => h.end > h.start).sort((a, b) => a.start - b.start);
  const out: Segment[] = [];
  let pos = 0;
  for (const h of sorted) {
    const start = Math.max(h.start, pos);
    const end = Math.min(h.end, text.length);
    if (end <= start) continue;
    if (start > pos) out.push({ text: text.slice(pos, start), mark: null });
    out.push({ text: text.slice(start, end), mark: `${h.rule}:${h.identifier}` });
    pos = end;
  }
  if (pos < text.length) out.push({ text: text.slice(pos), mark: null });
  return out;
}

export function Preview({ preview }: { preview: FilePreview }) {
  if (preview.text === null) {
    return <pre className="preview hex" data-testid="preview">{preview.hex ?? '(binary, no preview)'}</pre>;
  }
  return (
    <>
      <pre className="preview" data-testid="preview">
        {splitHighlights(preview.text, preview.highlights).map((s, i) =>
          s.mark ? <mark key={i} title={s.mark}>{showReordering(s.text)}</mark> : <span key={i}>{showReordering(s.text)}</span>)}
      </pre>
      {preview.truncated && <p className="meta">Preview truncated; the file is {preview.size} bytes.</p>}
    </>
  );
}
