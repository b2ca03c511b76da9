// Renders the report model into ONE self-contained HTML file: inline CSS, logo as data: URL, no script, no request.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { SafeHtml, cssString, html } from './escape.ts';
import { timeText } from './format.ts';
import type { ReportModel } from './model-types.ts';
import { SECTION_TITLES, renderSection } from './sections.ts';

const STYLESHEET_URL = new URL('../../resources/report/report.css', import.meta.url);
const DEFAULT_LOGO_URL = new URL('../../resources/report/logo.svg', import.meta.url);

/** Blocks every fetch (scripts, images, fonts, frames) except inline styles and data: images. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

let cachedStyle: string | null = null;
/** The text of the report's first <style> element: the same bytes in every report, so a CSP hash can allow it. */
function staticStyle(): string {
  cachedStyle ??= `\n${fs.readFileSync(STYLESHEET_URL, 'utf8')}`;
  return cachedStyle;
}

/**
 * CSP source for the report's static <style> (`'sha256-…'`). The app's CSP lists it so the live preview
 * (an `<iframe srcdoc>`, which inherits the app's policy) is styled without allowing 'unsafe-inline'.
 */
export function reportStyleHash(): string {
  return `'sha256-${crypto.createHash('sha256').update(staticStyle(), 'utf8').digest('base64')}'`;
}

function defaultLogo(): string {
  try {
    return `data:image/svg+xml;base64,${fs.readFileSync(DEFAULT_LOGO_URL).toString('base64')}`;
  } catch {
    return '';
  }
}

/** Running header for printed pages (CSS @page margin boxes, honoured by Chromium's print-to-PDF). */
function runningHeaderCss(m: ReportModel): string {
  const left = cssString([m.companyName, m.title].filter(Boolean).join(' — '));
  const right = cssString(m.meta.caseNumber ? `Case ${m.meta.caseNumber}` : '');
  const foot = cssString(`Confidential · generated ${m.generatedAt.slice(0, 10)} by Loupe ${m.loupeVersion}`);
  const box = 'font: 8pt "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #5b6575;';
  return `@page { @top-left { content: "${left}"; ${box} } @top-right { content: "${right}"; ${box} }
  @bottom-left { content: "${foot}"; ${box} } @bottom-right { content: "Page " counter(page) " of " counter(pages); ${box} } }`;
}

function cover(m: ReportModel): SafeHtml {
  const logo = m.logoDataUrl ?? defaultLogo();
  const t = (us: number | null): string => timeText(us, m.meta.displayZone);
  return html`<header class="cover">
    <div class="brand">${logo ? html`<img src="${logo}" alt="logo">` : ''}<span class="company">${m.companyName}</span></div>
    <h1>${m.title}</h1>
    <div class="subtitle">Forensic report — Microsoft Exchange compromise (ProxyLogon / HAFNIUM, March 2021)</div>
    <dl class="kv">
      <dt>Client</dt><dd>${m.meta.client || '—'}</dd>
      <dt>Case number</dt><dd>${m.meta.caseNumber || '—'}</dd>
      <dt>Examiner</dt><dd>${m.meta.examiner || '—'}</dd>
      <dt>Case opened</dt><dd>${m.meta.createdAt ?? '—'}</dd>
      <dt>Report generated</dt><dd>${t(Date.parse(m.generatedAt) * 1000)}</dd>
      <dt>Log period</dt><dd>${t(m.evidenceRange.first)} — ${t(m.evidenceRange.last)}</dd>
      <dt>Times shown in</dt><dd>UTC${m.meta.displayZone && m.meta.displayZone !== 'UTC' ? html` (and ${m.meta.displayZone} in parentheses)` : ''}</dd>
      <dt>Tool</dt><dd>Loupe ${m.loupeVersion}${m.meta.caseLoupeVersion && m.meta.caseLoupeVersion !== m.loupeVersion ? html` (case created with ${m.meta.caseLoupeVersion})` : ''}</dd>
      <dt>Case file</dt><dd class="mono">${m.meta.casePath}</dd>
    </dl>
    ${m.completeness.complete
      ? html`<div class="complete">${m.completeness.headline}.</div>`
      : html`<div class="incomplete" data-incomplete>${m.completeness.headline}.<ul>${m.completeness.reasons.map((r) => html`<li>${r}</li>`)}</ul>
        Findings and verdicts below describe only what was indexed and checked; "no evidence" cannot be concluded from this report.</div>`}
    <nav class="toc"><h3>Contents</h3><ol>${m.sections.map((s) => html`<li>${SECTION_TITLES[s]}</li>`)}</ol></nav>
    ${m.notes.length ? html`<div class="note"><b>Limitations of this report:</b><ul>${m.notes.map((n) => html`<li>${n}</li>`)}</ul></div>` : ''}
    <div class="classification">CONFIDENTIAL — prepared for ${m.meta.client || 'the client'}${m.companyName ? html` by ${m.companyName}` : ''}.
      Attacker-controlled text (URLs, user agents, file contents) is quoted verbatim as data.</div>
  </header>`;
}

export function renderReportHtml(m: ReportModel): string {
  const body = html`${cover(m)}${m.sections.map((s, i) => renderSection(s, i + 1, m))}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="Loupe ${html`${m.loupeVersion}`}">
<title>${html`${m.title}`}</title>
<style>${staticStyle()}</style>
<style data-print-only>${runningHeaderCss(m)}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
