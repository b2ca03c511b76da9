// How a web shell's family is named from the families its matching rules carry (finding titles, the Web shells view).
// Plain TypeScript only: shared by the service and the renderer.

export const isMultiTool = (family: string): boolean => /multi-tool/i.test(family);

/**
 * What the title calls the shell: one family, two joined, or — when three or more capabilities matched (an ASPXSpy-style
 * page does command, file, upload and SQL work) — a multi-tool with what it does, rather than whichever rule fired most.
 */
export function familyLabel(families: string[]): string {
  if (families.length < 3) return families.join(' + ');
  const [lead, ...rest] = families;
  return isMultiTool(lead) ? `${lead} (${rest.join(', ')})` : `multi-tool (${families.join(', ')})`;
}
