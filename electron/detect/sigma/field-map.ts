// Sigma field names → Loupe event field keys, per kind of log (documented in the README, "Sigma rules").
import type { Target } from './logsource.ts';

/** EVTX System values, named as Sigma names them (Loupe keeps them at the top level of the fields). */
const EVTX_SYSTEM: Record<string, string> = {
  EventID: 'EventID', Channel: 'Channel', Provider_Name: 'Provider', Computer: 'Computer', Level: 'Level', Task: 'Task',
  Opcode: 'Opcode', Keywords: 'Keywords', EventRecordID: 'RecordID', SecurityUserID: 'UserID', UserID: 'UserID',
};

/** Sigma's W3C names (as in `webserver` rules) → IIS W3C log columns. */
const IIS: Record<string, string> = {
  'cs-user-agent': 'cs(User-Agent)', 'c-useragent': 'cs(User-Agent)', 'cs-referer': 'cs(Referer)', 'cs-referrer': 'cs(Referer)',
  'cs-cookie': 'cs(Cookie)', 'cs-uri': 'cs-uri-stem', 'c-uri': 'cs-uri-stem',
};

/** Sigma's W3C names → Exchange HttpProxy log columns. */
const HTTPPROXY: Record<string, string> = {
  'cs-uri-query': 'UrlQuery', 'cs-uri-stem': 'UrlStem', 'cs-uri': 'UrlStem', 'c-uri': 'UrlStem', 'cs-method': 'Method',
  'sc-status': 'HttpStatus', 'c-ip': 'ClientIpAddress', 'cs-username': 'AuthenticatedUser', 'cs-host': 'UrlHost',
  'cs-user-agent': 'UserAgent', 'c-useragent': 'UserAgent', 's-computername': 'ServerHostName',
};

/** The field map of a target as a function (renames of the target first). */
export function fieldResolver(t: Target): (field: string) => string {
  return (field) => {
    const renamed = t.renames?.[field] ?? field;
    switch (t.fields) {
      case 'evtx': return EVTX_SYSTEM[renamed] ?? `data.${renamed}`;
      case 'iis': return IIS[renamed] ?? renamed;
      case 'httpproxy': return HTTPPROXY[renamed] ?? renamed;
    }
  };
}

/** For the documentation and the tests: the fixed part of each map. */
export const FIELD_MAPS = { evtxSystem: EVTX_SYSTEM, iis: IIS, httpproxy: HTTPPROXY } as const;
