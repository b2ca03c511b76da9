// Renders a resolved record as indented XML text (the UI's raw view), in the layout evtxexport uses.
import type { Elem } from './resolve.ts';

function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

function renderElem(e: Elem, indent: string, lines: string[]): void {
  const open = '<' + e.name + e.attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  if (e.children.length === 0) { lines.push(`${indent}${open}/>`); return; }
  if (e.children.every((ch) => typeof ch === 'string')) {
    lines.push(`${indent}${open}>${escapeText(e.children.join(''))}</${e.name}>`);
    return;
  }
  lines.push(`${indent}${open}>`);
  for (const ch of e.children) {
    if (typeof ch === 'string') lines.push(indent + '  ' + escapeText(ch));
    else renderElem(ch, indent + '  ', lines);
  }
  lines.push(`${indent}</${e.name}>`);
}

/** XML text of one element tree, two-space indented, one element per line. */
export function elemToXml(root: Elem): string {
  const lines: string[] = [];
  renderElem(root, '', lines);
  return lines.join('\n') + '\n';
}
