// Small shared pieces: error line, empty state, and the link from an evidence ref to the timeline.
import { displayText } from '../../../shared/display.ts';
import type { ReactNode } from 'react';
import type { EvidenceRef } from '../../../shared/types.ts';
import { go } from '../hooks.ts';
import { splitPath } from '../format.ts';

export function ErrorLine({ error }: { error: string | null }) {
  return error ? <div className="error" role="alert">{error}</div> : null;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function NeedCase() {
  return <Empty>No case is open. Go to <a href="#/case">Case</a> to create or open one, then add an evidence folder and index it.</Empty>;
}

export const refText = (r: EvidenceRef): string =>
  displayText(r.file) + (r.line !== undefined ? `:${r.line}` : '') + (r.record !== undefined ? ` #${r.record}` : '') + (r.offset !== undefined ? ` @${r.offset}` : '');

/** The last folders and the file name: enough to recognise a log, short enough for a list. */
const shortRef = (r: EvidenceRef): string => {
  const parts = r.file.split('/');
  return refText({ ...r, file: (parts.length > 3 ? '…/' : '') + parts.slice(-3).join('/') });
};

/** Opens the event behind a ref in the timeline (by file and line/record). */
export function RefLink({ evidence }: { evidence: EvidenceRef }) {
  const open = () => go('timeline', { file: evidence.file, line: evidence.line, record: evidence.record });
  return <button type="button" className="link ref" onClick={open} title={`${refText(evidence)} — open in the timeline`}>{shortRef(evidence)}</button>;
}

/**
 * A path in a narrow cell: the folder is cut with an ellipsis, the file name stays whole — Exchange paths share their
 * first sixty characters, so a cut at the end made every row read the same. Text only (escaped for display).
 */
export function PathText({ path }: { path: string }) {
  const [dir, name] = splitPath(displayText(path));
  return <span className="path-text"><span className="path-dir">{dir}</span><span className="path-name">{name}</span></span>;
}
