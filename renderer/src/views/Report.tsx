// Report view: choose sections, company name and logo, see the report live (sandboxed, no script), export it.
import { useEffect, useState } from 'react';
import { REPORT_SECTIONS } from '../../../shared/api.ts';
import type { ExportFormat, ExportResult, ReportOptions, ReportSection } from '../../../shared/api.ts';
import { api, errorText, shell } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { ErrorLine, NeedCase } from '../components/common.tsx';
import { formatBytes } from '../format.ts';

const SECTION_LABELS: Record<ReportSection, string> = {
  summary: 'Executive summary', findings: 'Findings', webshells: 'Web shells', story: 'Attack story',
  timeline: 'Analyst timeline (starred, tagged, manual)', indicators: 'Indicators', methodology: 'Methodology',
  warnings: 'Ingest warnings', custody: 'Chain of custody',
};

const EXPORTS: Array<{ format: ExportFormat; label: string; ext: string }> = [
  { format: 'html', label: 'Report (HTML)', ext: 'html' },
  { format: 'pdf', label: 'Report (PDF)', ext: 'pdf' },
  { format: 'csv', label: 'Timeline CSV (Timeline Explorer)', ext: 'csv' },
  { format: 'timesketch', label: 'Timesketch JSONL', ext: 'jsonl' },
  { format: 'timesketch-csv', label: 'Timesketch CSV', ext: 'timesketch.csv' },
  { format: 'stix', label: 'IOCs (STIX 2.1)', ext: 'stix.json' },
  { format: 'ioc-csv', label: 'IOCs (CSV)', ext: 'iocs.csv' },
];

const MAX_LOGO_BYTES = 1024 * 1024;
const PREVIEW_DELAY_MS = 400;

/** The print-only <style> (running header/footer, case-specific) is left out of the preview: the app's CSP allows only the static report stylesheet by hash. */
const previewHtml = (html: string): string => html.replace(/<style data-print-only>[\s\S]*?<\/style>/, '');

/** The case file's path without its extension, as the default stem of exported files. */
const stemOf = (casePath: string): string => casePath.replace(/\.[^./\\]+$/, '');

function readLogo(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!/^image\/(png|jpeg|svg\+xml|gif|webp)$/.test(file.type)) { reject(new Error('choose a PNG, JPEG, SVG, GIF or WebP image')); return; }
    if (file.size > MAX_LOGO_BYTES) { reject(new Error('the logo must be under 1 MB')); return; }
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the image'));
    reader.readAsDataURL(file);
  });
}

/** Rebuilds the preview shortly after the options stop changing. */
function usePreview(options: ReportOptions, enabled: boolean): { html: string; error: string | null; loading: boolean } {
  const [html, setHtml] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const key = JSON.stringify(options);
  useEffect(() => {
    if (!enabled) return undefined;
    let live = true;
    const timer = setTimeout(() => {
      setLoading(true);
      api.renderReportHtml(options)
        .then((h) => { if (live) { setHtml(previewHtml(h)); setError(null); } })
        .catch((e: unknown) => { if (live) setError(errorText(e)); })
        .finally(() => { if (live) setLoading(false); });
    }, PREVIEW_DELAY_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [key, enabled]); // eslint-disable-line react-hooks/exhaustive-deps
  return { html, error, loading };
}

function ExportButtons({ options, stem }: { options: ReportOptions; stem: string }) {
  const [folderPath, setFolderPath] = useState(stem);
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [done, setDone] = useState<ExportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: ExportFormat, ext: string) => {
    setError(null);
    setDone(null);
    const suggested = `${folderPath}-${format === 'html' || format === 'pdf' ? 'report' : 'export'}.${ext}`;
    const path = shell ? await shell.saveFile({ defaultPath: suggested }) : suggested;
    if (!path) return;
    setBusy(format);
    try {
      setDone(await api.exportTo({ format, path, report: options }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="card">
      <h2>Export</h2>
      {!shell && (
        <label className="row">Save next to
          <input name="exportStem" value={folderPath} onChange={(e) => setFolderPath(e.target.value)} style={{ flex: 1, minWidth: 200 }} />
        </label>
      )}
      <div className="row" style={{ marginTop: 8 }}>
        {EXPORTS.map((x) => (
          <button key={x.format} type="button" disabled={busy !== null} onClick={() => void run(x.format, x.ext)} data-format={x.format}>
            {busy === x.format ? 'Writing…' : x.label}
          </button>
        ))}
      </div>
      <ErrorLine error={error} />
      {done && <p className="meta" role="status">Wrote {done.path} ({formatBytes(done.bytes)}{done.rows !== undefined ? `, ${done.rows} rows` : ''}).</p>}
    </div>
  );
}

export function ReportView() {
  const { info } = useCase();
  const [sections, setSections] = useState<ReportSection[]>([...REPORT_SECTIONS]);
  const [companyName, setCompanyName] = useState(info?.meta.companyName ?? '');
  const [title, setTitle] = useState('');
  const [logo, setLogo] = useState<string | undefined>(undefined);
  const [logoError, setLogoError] = useState<string | null>(null);
  const [includeReview, setIncludeReview] = useState(false);
  const options: ReportOptions = {
    sections, companyName, ...(title.trim() ? { title: title.trim() } : {}), ...(logo ? { logoDataUrl: logo } : {}), ...(includeReview ? { includeReview } : {}),
  };
  const preview = usePreview(options, !!info);
  if (!info) return <section className="view report"><h1>Report</h1><NeedCase /></section>;
  const toggle = (s: ReportSection, on: boolean) => setSections((old) => REPORT_SECTIONS.filter((x) => (x === s ? on : old.includes(x))));
  const pickLogo = (file: File | undefined) => {
    setLogoError(null);
    if (!file) { setLogo(undefined); return; }
    readLogo(file).then(setLogo, (e: unknown) => setLogoError(errorText(e)));
  };
  return (
    <section className="view report" style={{ display: 'flex', gap: 12, height: '100%', minHeight: 0 }}>
      <div style={{ width: 340, flex: 'none', overflowY: 'auto' }}>
        <h1>Report</h1>
        <div className="card">
          <h2>Sections</h2>
          {REPORT_SECTIONS.map((s) => (
            <label key={s} className="check" style={{ display: 'flex' }}>
              <input type="checkbox" name={`section-${s}`} checked={sections.includes(s)} onChange={(e) => toggle(s, e.target.checked)} /> {SECTION_LABELS[s]}
            </label>
          ))}
        </div>
        <div className="card">
          <h2>Indicators</h2>
          <label className="check" style={{ display: 'flex' }}>
            <input type="checkbox" name="includeReview" checked={includeReview} onChange={(e) => setIncludeReview(e.target.checked)} />
            Also list indicators that need review or are informational (labelled), in the report and the IOC exports
          </label>
          <p className="hint">By default only confirmed and likely indicators are shared: never a scanner's address or a stock Exchange file at an IOC path.</p>
        </div>
        <div className="card">
          <h2>Branding</h2>
          <label style={{ display: 'block' }}>Company name
            <input name="companyName" value={companyName} onChange={(e) => setCompanyName(e.target.value)} style={{ width: '100%' }} />
          </label>
          <label style={{ display: 'block', marginTop: 6 }}>Title (optional)
            <input name="reportTitle" value={title} placeholder="Exchange compromise assessment — client" onChange={(e) => setTitle(e.target.value)} style={{ width: '100%' }} />
          </label>
          <label style={{ display: 'block', marginTop: 6 }}>Logo
            <input name="logo" type="file" accept="image/png,image/jpeg,image/svg+xml,image/gif,image/webp" onChange={(e) => pickLogo(e.target.files?.[0])} />
          </label>
          {logo && <p className="row"><img src={logo} alt="chosen logo" style={{ maxHeight: 40, maxWidth: 160 }} /><button type="button" onClick={() => setLogo(undefined)}>Use the default logo</button></p>}
          <ErrorLine error={logoError} />
        </div>
        <ExportButtons options={options} stem={stemOf(info.path)} />
      </div>
      <div style={{ flex: 1, display: 'flex', flexDirection: 'column', minWidth: 0 }}>
        <div className="meta">{preview.loading ? 'Updating preview…' : 'Preview (as printed; scripts disabled)'}</div>
        <ErrorLine error={preview.error} />
        {/* sandbox="" : no script, no navigation, no forms, unique origin — the report is attacker-quoting data. */}
        <iframe title="Report preview" sandbox="" srcDoc={preview.html} style={{ flex: 1, width: '100%', border: '1px solid var(--border)', background: '#fff' }} />
      </div>
    </section>
  );
}
