// Exchange cmdlets as Exchange logged them (MSExchange Management cmdlet log and other EVTX, ECP server log, HttpProxy):
// finding a cmdlet's records and reading New-MailboxExportRequest's parameters. Shared by the mail check and
// CVE-2021-31207 (no import of the correlation, so the CVE registry can load it).
import type { Db } from '../case/db.ts';
import { ftsHas, queryEvents } from './rows.ts';
import type { EventHit } from './rows.ts';

export const eventText = (h: EventHit): string => `${h.message}\n${Object.values(h.fields).map((v) => String(v ?? '')).join('\n')}`;

/** A cmdlet parameter's value, in cmdlet-log (`-Name 'x'`, `-Name "x"`, `-Name x`) or ECP (`.Name=''x''`) form; null when absent. */
export function cmdletParam(text: string, name: string): string | null {
  const quoted = new RegExp(`-${name}\\s+(['"])(.*?)\\1`, 'i').exec(text)?.[2];
  const ecp = new RegExp(`[.;]${name}=''(.*?)''`, 'i').exec(text)?.[1];
  const bare = new RegExp(`-${name}\\s+([^\\s'"]+)`, 'i').exec(text)?.[1];
  return quoted ?? ecp ?? bare ?? null;
}

/** Mailbox and file path of a New-MailboxExportRequest, in cmdlet-log (`-Mailbox 'x' -FilePath '…'`) or ECP (`Mailbox=''x''`) form. */
export function parseExportRequest(text: string): { mailbox: string | null; filePath: string | null } {
  return { mailbox: cmdletParam(text, 'Mailbox'), filePath: cmdletParam(text, 'FilePath') };
}

/** `\\EXCH01\C$\inetpub\x.pst` → `C:\inetpub\x.pst`; a local path as it is; null for another host's share. */
export function localPathOf(p: string): string | null {
  const unc = /^\\\\[^\\]+\\([a-z])\$\\(.*)$/i.exec(p);
  if (unc) return `${unc[1].toUpperCase()}:\\${unc[2]}`;
  return /^[a-z]:\\/i.test(p) ? p : null;
}

/** Every record of an Exchange cmdlet, wherever Exchange logged it (cmdlet log and other EVTX, ECP log, HttpProxy). */
export function findCmdlet(db: Db, cmdlet: string): EventHit[] {
  const fts = ftsHas(cmdlet);
  return queryEvents(db, `${fts.sql} AND e.source IN ('evtx', 'ecp-server', 'httpproxy')`, fts.params)
    .filter((h) => eventText(h).toLowerCase().includes(cmdlet.toLowerCase()));
}
