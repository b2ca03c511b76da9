// One row per request in the web-shell view: IIS and the HttpProxy log record the same request, so rows with the
// same second, client, method, URL and status are merged and keep every evidence ref.
import type { WebshellRequest } from '../../shared/api.ts';

export interface MergedRequest extends WebshellRequest { refs: WebshellRequest['ref'][] }

const SECOND = 1_000_000;

const keyOf = (r: WebshellRequest): string =>
  [Math.floor(r.ts / SECOND), r.ip ?? '', (r.method ?? '').toUpperCase(), r.url.toLowerCase().split('?')[0], r.status ?? ''].join('\u0000');

export function mergeRequests(rows: WebshellRequest[]): MergedRequest[] {
  const out = new Map<string, MergedRequest>();
  for (const r of rows) {
    const k = keyOf(r);
    const have = out.get(k);
    if (have) { have.refs.push(r.ref); if (!have.userAgent && r.userAgent) have.userAgent = r.userAgent; } else out.set(k, { ...r, refs: [r.ref] });
  }
  return [...out.values()];
}
