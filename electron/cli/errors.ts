// Every failure the CLI reports is one line on stderr: the service's own sentences pass through, and the raw errors of
// SQLite and the file system are turned into sentences that say what to do next.

/** A failure already phrased for the user (exit 1). */
export class CliError extends Error {}

const SQLITE: Record<string, string> = {
  SQLITE_NOTADB: 'the file is not a Loupe case (not an SQLite database)',
  SQLITE_CORRUPT: 'the case file is damaged (SQLite reports corruption); work on a backup copy',
  SQLITE_BUSY: 'the case file is in use by another Loupe process; wait for it to finish and try again',
  SQLITE_LOCKED: 'the case file is in use by another Loupe process; wait for it to finish and try again',
  SQLITE_READONLY: 'the case file cannot be written (read-only file or medium); copy it somewhere writable',
  SQLITE_FULL: 'the disk holding the case file is full; free some space and run the command again',
  SQLITE_CANTOPEN: 'the case file cannot be opened; check the path and its permissions',
  SQLITE_IOERR: 'reading or writing the case file failed (I/O error); check the disk',
  SQLITE_PERM: 'no permission to use the case file; check its permissions',
};

const ERRNO: Record<string, string> = {
  ENOENT: 'does not exist', EACCES: 'permission denied', EPERM: 'operation not permitted', EISDIR: 'is a folder',
  ENOTDIR: 'a part of the path is not a folder', ENOSPC: 'the disk is full', EROFS: 'the file system is read-only',
  EMFILE: 'too many open files', EEXIST: 'already exists', ENAMETOOLONG: 'the name is too long', EIO: 'I/O error',
};

/** The one-line sentence for any error. */
export function errorSentence(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { code?: string };
  const code = typeof err?.code === 'string' ? err.code : '';
  let msg: string;
  if (code.startsWith('SQLITE_')) msg = SQLITE[code] ?? SQLITE[code.replace(/_[A-Z]+$/, '')] ?? `SQLite error: ${err.message} (${code})`;
  else if (ERRNO[code] && err.path) msg = `${err.syscall ? `cannot ${err.syscall} ` : ''}${err.path}: ${ERRNO[code]} (${code})`;
  else msg = err instanceof Error ? err.message : String(e);
  return oneLine(msg);
}

/** Collapses a message to one line (a stray newline in an error would look like two messages). */
export const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim() || 'unknown error';
