// Escaping for the report: every evidence-derived string goes through one of these before it reaches HTML or CSS.
import { showReordering } from '../../shared/display.ts';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;',
};

/** Text → HTML-safe text, for element content and quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  // Bidi overrides would make `\u202Excod.aspx` read as `xpsa.docx` in the report and its PDF.
  return showReordering(String(value))
    .replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c])
    // Control characters (NUL, ESC, C1 …) from hostile logs are shown as visible escapes, not passed through.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Text → the body of a double-quoted CSS string (safe inside <style>, cannot close the tag or the string). */
export function cssString(value: string): string {
  return value.replace(/[\\"<>\n\r\f\u0000-\u001f\u007f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `);
}

/** Only data: URLs of raster/SVG images are accepted as a logo; anything else is dropped. */
export function safeImageDataUrl(url: string | undefined | null): string | null {
  if (!url) return null;
  return /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]+$/.test(url) ? url.replace(/\s+/g, '') : null;
}

/** A fragment of HTML built by our own code; everything else interpolated into `html` is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

function renderValue(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(renderValue).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/** Tagged template: interpolated values are escaped unless they are SafeHtml (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += renderValue(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}
