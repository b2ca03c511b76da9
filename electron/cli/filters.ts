// The timeline filters, defined once: `timeline`, `export` and `report` take exactly these options. A new filter is
// one entry here (its option, how it narrows the TimelineQuery, and how it reads in a report).
import { RECOVERED_FILTERS, type RecoveredFilter, type TimelineQuery, type TimelineSort } from '../../shared/api.ts';
import { microsToIso, SOURCE_IDS, type SourceId } from '../../shared/types.ts';
import { CliError } from './errors.ts';
import { flag, list, value, UsageError, type OptionSpec, type Values } from './options.ts';
import { fieldPair, httpStatus, ipAddress, isoTime, oneOf, sortSpec, text, timelineJson, type TimeArg } from './values.ts';

interface Filter<S extends OptionSpec, V> {
  option: S;
  apply: (q: TimelineQuery, v: V) => void;
  describe: (v: V) => string;
}

const filter = <S extends OptionSpec, V>(option: S, apply: (q: TimelineQuery, v: V) => void, describe: (v: V) => string): Filter<S, V> =>
  ({ option, apply, describe });

const RECOVERED_WORDS: Record<RecoveredFilter, string> = {
  include: 'recovered EVTX records included', exclude: 'recovered EVTX records left out', only: 'only recovered EVTX records',
};

const pairs = (v: Array<{ field: string; value: string }>): string => v.map((p) => `${p.field} = "${p.value}"`).join(', ');

export const TIMELINE_FILTERS = {
  // First, so that the options below narrow a saved view or a pasted filter further.
  view: filter(value('NAME', 'start from a view saved in the case (the Timeline\'s "Save view")', text),
    () => { /* resolved against the case by withSavedView */ }, (v: string) => `view "${v}"`),
  filter: filter(value('JSON', 'start from a TimelineQuery as the service takes it, e.g. \'{"text":"ip:165.232.154.116"}\'', timelineJson),
    (q, v: TimelineQuery) => { Object.assign(q, v); }, () => 'the given --filter'),
  query: filter(value('TEXT', 'full-text search: words are AND-ed; "a phrase", prefix*, -exclude and OR work', text, { short: 'q' }),
    (q, v: string) => { q.text = v; }, (v) => `matching "${v}"`),
  from: filter(value('TIME', 'first time to include (ISO date or date-time, UTC unless an offset is given)', isoTime),
    (q, v: TimeArg) => { q.from = v.start; }, (v) => `from ${microsToIso(v.start)}`),
  to: filter(value('TIME', 'last time to include: a date-only --to takes in that whole day, 10:15 the whole minute', isoTime),
    (q, v: TimeArg) => { q.to = v.end; }, (v) => `to ${microsToIso(v.end - 1)}`),
  source: filter(list('S,..', 'only these sources', oneOf(SOURCE_IDS), { choices: SOURCE_IDS }),
    (q, v: SourceId[]) => { q.sources = v; }, (v) => `source ${v.join(' or ')}`),
  host: filter(list('NAME,..', 'only events from these hosts', text),
    (q, v: string[]) => { q.hosts = v; }, (v) => `host ${v.join(' or ')}`),
  ip: filter(list('IP,..', 'only events with this client IP', ipAddress),
    (q, v: string[]) => { q.ips = v; }, (v) => `client IP ${v.join(' or ')}`),
  status: filter(list('N,..', 'only these HTTP status codes', httpStatus),
    (q, v: number[]) => { q.statuses = v; }, (v) => `status ${v.join(' or ')}`),
  tag: filter(list('TAG,..', 'only events tagged with one of these', text),
    (q, v: string[]) => { q.tags = v; }, (v) => `tagged ${v.join(' or ')}`),
  starred: filter(flag('only starred events'),
    (q, v: boolean) => { if (v) q.starredOnly = true; }, () => 'starred'),
  where: filter(list('FIELD=VALUE', 'only events whose field has this exact value (repeat for more)', fieldPair),
    (q, v: Array<{ field: string; value: string }>) => { q.fieldEquals = v; }, (v) => `where ${pairs(v)}`),
  exclude: filter(list('FIELD=VALUE', 'leave out events whose field has this value (repeat for more)', fieldPair),
    (q, v: Array<{ field: string; value: string }>) => { q.fieldNotEquals = v; }, (v) => `except ${pairs(v)}`),
  recovered: filter(value('MODE', 'EVTX records recovered from slack or damaged chunks: include (default, marked), exclude (the logs as Windows reads them) or only', oneOf(RECOVERED_FILTERS), { choices: RECOVERED_FILTERS }),
    (q, v: RecoveredFilter) => { q.recovered = v; }, (v) => RECOVERED_WORDS[v]),
  sort: filter(value('COLUMN[:desc]', 'order by a column or any field (status, host, cs-uri-stem …; empty values last), through its sort index when the case has one', sortSpec),
    (q, v: TimelineSort) => { q.sort = v; }, (v) => `sorted by ${v.field}${v.dir === 'desc' ? ', descending' : ''}`),
};

type Filters = typeof TIMELINE_FILTERS;
export type FilterOptions = { [K in keyof Filters]: Filters[K]['option'] };

/** The filters' option specs, to spread into a command's options. */
export const FILTER_OPTIONS = Object.fromEntries(
  Object.entries(TIMELINE_FILTERS).map(([k, f]) => [k, f.option]),
) as FilterOptions;

type FilterEntry = Filter<OptionSpec, unknown>;
const entries = (): Array<[string, FilterEntry]> => Object.entries(TIMELINE_FILTERS) as Array<[string, FilterEntry]>;

/**
 * The TimelineQuery the given filter options ask for, on top of `base` (a saved view's query); a range that ends
 * before it starts is a usage error.
 */
export function timelineQuery(values: Values<FilterOptions>, base: TimelineQuery = {}): TimelineQuery {
  const q: TimelineQuery = { ...base };
  for (const [name, f] of entries()) {
    const v = (values as Record<string, unknown>)[name];
    if (v !== undefined) f.apply(q, v);
  }
  if (values.from && values.to && values.from.start >= values.to.end) {
    throw new UsageError(`--from ${values.from.text} is after --to ${values.to.text}: swap them, or widen the range`);
  }
  return q;
}

/** The filters in words ("from … to …, client IP …"), for the report; null when nothing is filtered. */
export function describeFilters(values: Values<FilterOptions>): string | null {
  const parts = entries().flatMap(([name, f]) => {
    const v = (values as Record<string, unknown>)[name];
    return v === undefined ? [] : [f.describe(v)];
  });
  return parts.length ? parts.join(', ') : null;
}

/** The query of the view `--view` names, read from the case; {} without --view. */
export function savedViewQuery(svc: { listViews(): Promise<Array<{ name: string; query: TimelineQuery }>> }, name: string | undefined): Promise<TimelineQuery> {
  if (name === undefined) return Promise.resolve({});
  return svc.listViews().then((views) => {
    const v = views.find((x) => x.name === name);
    if (!v) throw new CliError(`--view "${name}": no view of that name in this case (saved: ${views.map((x) => x.name).join(', ') || 'none'})`);
    return v.query;
  });
}
