// How text taken from evidence is shown to a person: invisible characters that could rewrite a terminal line or
// reorder a name on screen are shown as visible escapes. Stored values and JSON output keep the exact text.

/** C0 controls, DEL and C1 controls: in a terminal they move the cursor, erase lines, change colours. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Characters that reorder or hide text: bidi embeddings, overrides and isolates (U+202E makes `\u202Excod.aspx` read
 * as `xpsa.docx`), the invisible direction marks, and the Unicode line/paragraph separators.
 */
const REORDERING = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

const hex2 = (c: string): string => c.charCodeAt(0).toString(16).padStart(2, '0');
const codePoint = (c: string): string => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');

/** ESC → `\x1b`, NUL → `\x00`, CSI (U+009B) → `\x9b` … for terminal lines. */
export function escapeControls(s: string): string {
  return s.replace(CONTROLS, (c) => `\\x${hex2(c)}`);
}

/** U+202E → `⟨U+202E⟩`, wherever a name or evidence string is displayed (UI, report, PDF, terminal). */
export function showReordering(s: string): string {
  return s.replace(REORDERING, (c) => `⟨U+${codePoint(c)}⟩`);
}

/** Both: the form of an evidence string a person may safely read (terminal lines, UI cells). */
export function displayText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return showReordering(escapeControls(String(value)));
}

/** True when displayText would change the string (lets a view mark a value as containing hidden characters). */
export function hasHiddenCharacters(s: string): boolean {
  return displayText(s) !== s;
}
