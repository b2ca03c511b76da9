// Renders a resolved record as indented XML text (the UI's raw view), in the layout evtxexport uses, written so that an
// XML parser gets every value back exactly: a CR in a value is written &#13; (a parser would fold CRLF into LF),
// characters XML cannot hold as text (other control characters) as character references, and text mixed with
// child elements is kept in place instead of being indented onto lines of its own.
import type { Elem } from './resolve.ts';

const charRef = (ch: string): string => `&#${ch.charCodeAt(0)};`;

function escapeText(s: string): string {
  return s.replace(/[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : charRef(ch)));
}

/** Attribute values also keep TAB and LF, which attribute-value normalization would turn into spaces. */
function escapeAttr(s: string): string {
  return escapeText(s).replace(/["\t\n]/g, (ch) => (ch === '"' ? '&quot;' : charRef(ch)));
}

const openTag = (e: Elem): string => '<' + e.name + e.attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');

/** An element on one line, its content exactly as it is. */
function inline(e: Elem): string {
  if (e.children.length === 0) return `${openTag(e)}/>`;
  const inner = e.children.map((ch) => (typeof ch === 'string' ? escapeText(ch) : inline(ch))).join('');
  return `${openTag(e)}>${inner}</${e.name}>`;
}

function renderElem(e: Elem, indent: string, lines: string[]): void {
  // Text alone, or text between child elements: written in place, so no whitespace is added to the values.
  if (e.children.length === 0 || e.children.some((ch) => typeof ch === 'string')) { lines.push(indent + inline(e)); return; }
  lines.push(`${indent}${openTag(e)}>`);
  for (const ch of e.children) renderElem(ch as Elem, indent + '  ', lines);
  lines.push(`${indent}</${e.name}>`);
}

/** XML text of one element tree, two-space indented, one element per line. */
export function elemToXml(root: Elem): string {
  const lines: string[] = [];
  renderElem(root, '', lines);
  return lines.join('\n') + '\n';
}
