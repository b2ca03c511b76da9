// Opens evidence files read-only and, where the OS allows it, without updating their access time: reading the
// evidence must not change its metadata either (Linux O_NOATIME works for the file's owner or root).
import fs from 'node:fs';

const NOATIME: number = (fs.constants as unknown as Record<string, number | undefined>).O_NOATIME ?? 0;
const denied = (e: unknown): boolean => ['EPERM', 'EINVAL'].includes((e as NodeJS.ErrnoException).code ?? '');

export function openEvidenceSync(file: string): number {
  if (NOATIME) {
    try { return fs.openSync(file, fs.constants.O_RDONLY | NOATIME); } catch (e) { if (!denied(e)) throw e; }
  }
  return fs.openSync(file, 'r');
}

export async function openEvidence(file: string): Promise<fs.promises.FileHandle> {
  if (NOATIME) {
    try { return await fs.promises.open(file, fs.constants.O_RDONLY | NOATIME); } catch (e) { if (!denied(e)) throw e; }
  }
  return fs.promises.open(file, 'r');
}
