// Opens evidence files read-only and, where the OS allows it, without updating their access time: reading the
// evidence must not change its metadata either (Linux O_NOATIME works for the file's owner or root). Only regular
// files are opened: the type is checked before the open (lstat), the open itself cannot block (O_NONBLOCK, so a FIFO
// swapped in for a log does not hang) nor follow a link (O_NOFOLLOW), and the descriptor is checked again (fstat).
import fs from 'node:fs';

const C = fs.constants as unknown as Record<string, number | undefined>;
const NOATIME = C.O_NOATIME ?? 0;
const SAFE_FLAGS = fs.constants.O_RDONLY | (C.O_NONBLOCK ?? 0) | (C.O_NOFOLLOW ?? 0);
const denied = (e: unknown): boolean => ['EPERM', 'EINVAL'].includes((e as NodeJS.ErrnoException).code ?? '');

/** An evidence path: a string, or the exact bytes of a name that is not valid UTF-8. */
export type EvidencePath = string | Buffer;

export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(readonly kind: string) {
    super(`not a regular file (${kind}): refused — evidence is only read from regular files`);
  }
}

export function fileKind(st: fs.Stats | fs.BigIntStats): string {
  return st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'character device' : st.isBlockDevice() ? 'block device'
    : st.isSymbolicLink() ? 'symbolic link' : st.isDirectory() ? 'folder' : 'unknown type';
}

/** The same file before and after the open: a regular file, and not swapped in between. */
function checkOpened(before: fs.Stats, after: fs.Stats): void {
  if (!after.isFile()) throw new NotRegularFileError(fileKind(after));
  if (after.ino !== before.ino || after.dev !== before.dev) throw new NotRegularFileError('file replaced while it was opened');
}

export function openEvidenceSync(file: EvidencePath): number {
  const before = fs.lstatSync(file);
  if (!before.isFile()) throw new NotRegularFileError(fileKind(before));
  let fd: number | null = null;
  if (NOATIME) {
    try { fd = fs.openSync(file, SAFE_FLAGS | NOATIME); } catch (e) { if (!denied(e)) throw e; }
  }
  fd ??= fs.openSync(file, SAFE_FLAGS);
  try {
    checkOpened(before, fs.fstatSync(fd));
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return fd;
}

export async function openEvidence(file: EvidencePath): Promise<fs.promises.FileHandle> {
  const before = await fs.promises.lstat(file);
  if (!before.isFile()) throw new NotRegularFileError(fileKind(before));
  let fh: fs.promises.FileHandle | null = null;
  if (NOATIME) {
    try { fh = await fs.promises.open(file, SAFE_FLAGS | NOATIME); } catch (e) { if (!denied(e)) throw e; }
  }
  fh ??= await fs.promises.open(file, SAFE_FLAGS);
  try {
    checkOpened(before, await fh.stat());
  } catch (e) {
    await fh.close();
    throw e;
  }
  return fh;
}

/**
 * Why access times of these files will change when Loupe reads them, or null when they will not: Linux refuses
 * O_NOATIME to a user who neither owns the file nor is root; other systems have no O_NOATIME at all.
 */
export function atimeCaveat(owner: number): string | null {
  if (!NOATIME) return `${process.platform} cannot open files without updating their access times (no O_NOATIME)`;
  const euid = process.geteuid?.() ?? 0;
  return euid === 0 || euid === owner ? null : 'Linux refuses O_NOATIME to a user who neither owns the files nor is root';
}
