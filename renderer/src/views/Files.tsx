// Files & hashes: the evidence inventory with MD5/SHA-1/SHA-256, search by hash/name/path/glob, IOC matches marked.
import { displayText } from '../../../shared/display.ts';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { FileQuery, FileRow } from '../../../shared/api.ts';
import { api, errorText } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { Empty, ErrorLine, NeedCase, PathText } from '../components/common.tsx';
import { formatBytes, formatCount, formatOutcome, formatTime } from '../format.ts';
import { go } from '../hooks.ts';
import { fileQueryFor } from '../fileQuery.ts';

const PAGE = 500;
const OUTCOME_TITLE = 'live records read · recovered from slack space or damaged chunks (marked in the timeline) · records that could not be decoded';
const ROW = 26;

function useFilePages(query: FileQuery) {
  const [rows, setRows] = useState<FileRow[]>([]);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const key = JSON.stringify(query);
  const load = async (offset: number) => {
    busy.current = true;
    try {
      const page = await api.listFiles({ ...query, offset, limit: PAGE });
      setRows((old) => (offset === 0 ? page.rows : [...old, ...page.rows]));
      setTotal(page.total);
      setError(null);
    } catch (e) { setError(errorText(e)); } finally { busy.current = false; }
  };
  useEffect(() => { setRows([]); void load(0); }, [key]); // eslint-disable-line
  return { rows, total, error, more: () => { if (!busy.current && rows.length < total) void load(rows.length); } };
}

export function FilesView({ params }: { params: URLSearchParams }) {
  const { info, zone } = useCase();
  const [input, setInput] = useState(params.get('q') ?? '');
  const [flaggedOnly, setFlaggedOnly] = useState(false);
  const [query, setQuery] = useState<FileQuery>(() => fileQueryFor(params.get('q') ?? ''));
  const files = useFilePages({ ...query, ...(flaggedOnly ? { flaggedOnly } : {}) });
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: files.rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 10 });
  const items = v.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => { if (lastIndex >= files.rows.length - 50) files.more(); }, [lastIndex, files.rows.length]); // eslint-disable-line
  if (!info) return <section className="view"><h1>Files &amp; hashes</h1><NeedCase /></section>;
  return (
    <section className="view files">
      <h1>Files &amp; hashes</h1>
      <form className="row" onSubmit={(e) => { e.preventDefault(); setQuery(fileQueryFor(input)); }}>
        <input name="fileSearch" type="search" className="search" placeholder="MD5 / SHA-1 / SHA-256, name, path or glob (**/aspnet_client/*.aspx)" value={input} onChange={(e) => setInput(e.target.value)} />
        <button type="submit">Search</button>
        <label className="check"><input type="checkbox" checked={flaggedOnly} onChange={(e) => setFlaggedOnly(e.target.checked)} /> flagged only</label>
        <span className="meta" data-testid="files-count">{formatCount(files.total)} file{files.total === 1 ? '' : 's'}</span>
      </form>
      <ErrorLine error={files.error} />
      {files.rows.length === 0 && !files.error ? <Empty>No file matches. {info.counts.files === 0 ? 'Index an evidence folder on the Case page first.' : 'Try a shorter name or a glob.'}</Empty> : (
        <div className="grid files-grid">
          <div className="grid-head"><div className="cell f-flag">!</div><div className="cell f-path">Path</div><div className="cell f-size">Size</div><div className="cell f-time">Modified</div><div className="cell f-kind">Kind</div><div className="cell f-hash">SHA-256</div><div className="cell f-hash2">MD5</div><div className="cell f-outcome" title="Records the parser read, recovered (slack, damaged chunks) and could not decode">Records</div><div className="cell f-act" /></div>
          <div className="grid-body" ref={scrollRef}>
            <div className="grid-sizer" style={{ height: v.getTotalSize() }}>
              {items.map((it) => {
                const f = files.rows[it.index];
                return (
                  <div key={f.id} className={`grid-row${f.iocMatch ? ' ioc' : ''}${f.flagged ? ' flagged' : ''}`} style={{ transform: `translateY(${it.start}px)` }} data-file-id={f.id}>
                    <div className="cell f-flag" title={f.iocMatch ? 'matches an IOC' : f.flagged ? 'flagged by a detection' : ''}>{f.iocMatch ? 'IOC' : f.flagged ? '⚑' : ''}</div>
                    <div className="cell f-path" title={displayText(f.origPath)}><PathText path={f.origPath || f.relPath} /></div>
                    <div className="cell f-size">{formatBytes(f.size)}</div>
                    <div className="cell f-time">{formatTime(f.mtime, zone)}</div>
                    <div className="cell f-kind">{f.kind}</div>
                    <div className="cell f-hash" title={f.sha256 ?? ''}>{f.sha256 ?? ''}</div>
                    <div className="cell f-hash2" title={f.md5 ?? ''}>{f.md5 ?? ''}</div>
                    <div className="cell f-outcome" data-testid="file-outcome" title={f.outcome ? OUTCOME_TITLE : ''}>{f.outcome ? formatOutcome(f.outcome) : ''}</div>
                    <div className="cell f-act">
                      {f.sha256 && <CopyButton text={f.sha256} />}
                      {f.events > 0 && <button type="button" className="small" onClick={() => go('timeline', { fileId: f.id })}>{formatCount(f.events)} events</button>}
                    </div>
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
