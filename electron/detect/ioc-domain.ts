// ioc.domain: domain indicators (MSTIC `domainname` rows, analyst `domain` IOCs) matched case-insensitively, as the
// exact host or a subdomain of it, against request hosts (HttpProxy UrlHost, IIS cs-host and cs(Referer)) and
// Sysmon DNS queries (22: QueryName) and network connections (3: DestinationHostname).
// One SQL scan selects only events whose fields mention an indicator; JS then checks the named fields exactly.
import type { Db } from '../case/db.ts';
import { fieldsTextSql } from '../case/fields.ts';
import type { FieldValue } from '../../shared/types.ts';
import { microsToIso } from '../../shared/types.ts';
import type { Indicator } from './ioc-import.ts';
import type { IocList } from './ioc.ts';
import { ftsHas, queryEvents } from './rows.ts';
import type { EventHit } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

/** Evidence refs listed per finding; the title and details always state the full count. */
export const DOMAIN_EVIDENCE_CAP = 500;
// SQLite's default limit is 32766 bound parameters; stay far below it per query.
const LIKE_CHUNK = 200;

/** The fields that carry a host name, per source, and how to get the host out of each. */
const HOST_FIELDS: Record<string, Array<{ name: string; kind: 'host' | 'url' }>> = {
  httpproxy: [{ name: 'UrlHost', kind: 'host' }],
  iis: [{ name: 'cs-host', kind: 'host' }, { name: 'cs(Referer)', kind: 'url' }],
  evtx: [{ name: 'data.QueryName', kind: 'host' }, { name: 'data.DestinationHostname', kind: 'host' }],
};

/** `Mail.Contoso.com.:443` → `mail.contoso.com`; '' when the value is no host name. */
export function normHost(raw: string): string {
  const h = raw.trim().toLowerCase().replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, '').replace(/\.$/, '');
  return /^[a-z0-9_.-]+$/.test(h) && /[a-z0-9]/.test(h) ? h : '';
}

/** The host of a referer URL (`https://evil.example/x?y`, or scheme-relative `//evil.example/`); '' when none. */
export function hostOfUrl(raw: string): string {
  const m = /^(?:[a-z][a-z0-9+.-]*:)?\/\/(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]+)/i.exec(raw.trim());
  return m ? normHost(m[1]) : '';
}

interface DomainHit { indicator: Indicator; list: string }

/** Lower-case domain → the indicators (from any list) that name it. */
export function domainIndex(lists: IocList[]): Map<string, DomainHit[]> {
  const idx = new Map<string, DomainHit[]>();
  for (const l of lists) for (const i of l.indicators) {
    if (i.type !== 'domain') continue;
    const d = normHost(i.value);
    if (d) idx.set(d, [...(idx.get(d) ?? []), { indicator: i, list: l.name }]);
  }
  return idx;
}

/** The most specific indicator domain that the host equals or is a subdomain of; null when none. */
export function matchHost(host: string, idx: Map<string, unknown>): string | null {
  const labels = host.split('.');
  for (let i = 0; i < labels.length; i++) {
    const suffix = labels.slice(i).join('.');
    if (idx.has(suffix)) return suffix;
  }
  return null;
}

const text = (v: FieldValue | undefined): string => (v === null || v === undefined ? '' : String(v));

/** The (field, host, domain) matches of one event. */
export function eventDomainMatches(h: EventHit, idx: Map<string, unknown>): Array<{ field: string; host: string; domain: string }> {
  const out: Array<{ field: string; host: string; domain: string }> = [];
  for (const f of HOST_FIELDS[h.source] ?? []) {
    const raw = text(h.fields[f.name]);
    const host = f.kind === 'url' ? hostOfUrl(raw) : normHost(raw);
    const domain = host ? matchHost(host, idx) : null;
    if (domain) out.push({ field: f.name, host, domain });
  }
  return out;
}

const likeEscape = (v: string): string => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Events whose fields mention any of the domains (a superset of the real matches). */
function candidates(db: Db, domains: string[]): EventHit[] {
  const seen = new Map<number, EventHit>();
  const sources = Object.keys(HOST_FIELDS).map((s) => `'${s}'`).join(', ');
  for (let i = 0; i < domains.length; i += LIKE_CHUNK) {
    const chunk = domains.slice(i, i + LIKE_CHUNK);
    const fts = ftsHas(...chunk);
    const where = `${fts.sql} AND e.source IN (${sources}) AND (${chunk.map(() => `${fieldsTextSql('e')} LIKE ? ESCAPE '\\'`).join(' OR ')})`;
    for (const h of queryEvents(db, where, [...fts.params, ...chunk.map(likeEscape)])) seen.set(h.id, h);
  }
  return [...seen.values()].sort((a, b) => a.ts - b.ts || a.id - b.id);
}

/** One high finding per indicator domain, listing every event whose host is it or a subdomain of it. */
export function matchDomains(db: Db, lists: IocList[]): PendingFinding[] {
  const idx = domainIndex(lists);
  if (!idx.size) return [];
  const byDomain = new Map<string, Array<{ hit: EventHit; field: string; host: string }>>();
  for (const hit of candidates(db, [...idx.keys()])) {
    for (const m of eventDomainMatches(hit, idx)) {
      const list = byDomain.get(m.domain) ?? [];
      // one entry per event: the first field that matched this domain is enough to point at it
      if (list.at(-1)?.hit.id !== hit.id) list.push({ hit, field: m.field, host: m.host });
      byDomain.set(m.domain, list);
    }
  }
  return [...byDomain].map(([domain, list]) => domainFinding(domain, list, idx.get(domain) ?? []));
}

function domainFinding(domain: string, list: Array<{ hit: EventHit; field: string; host: string }>, hits: DomainHit[]): PendingFinding {
  const n = list.length;
  const shown = list.slice(0, DOMAIN_EVIDENCE_CAP);
  return {
    finding: {
      check: CHECK.iocDomain, severity: 'high',
      title: `Activity involving a known-bad domain ${domain}: ${n} event${n === 1 ? '' : 's'}`,
      path: null, time: microsToIso(list[0].hit.ts), sha256: null, evidence: shown.map((m) => m.hit.ref),
    },
    details: {
      indicators: hits.map((h) => ({ type: h.indicator.type, value: h.indicator.value, list: h.list })),
      count: n,
      evidenceCapped: n > shown.length,
      eventIds: shown.map((m) => m.hit.id),
      matches: shown.map((m) => ({ eventId: m.hit.id, source: m.hit.source, field: m.field, host: m.host })),
    },
  };
}
