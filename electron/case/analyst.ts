// Analyst-side state kept in the case: saved timeline views, tag colours, bulk tag/star, per-case display settings.
import type { BulkMark, SavedView, TimelineQuery } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { getMeta, setMeta } from './db.ts';
import { ensureQueryFunctions, timelineWhere } from './timeline-where.ts';
import { audit, nowIso } from './write.ts';

export class AnalystInputError extends Error {
  readonly status = 400;
}

const PAGING_KEYS = ['after', 'offset', 'limit'] as const;

/** A view keeps what the analyst sees, never where the grid was scrolled to. */
export function viewQuery(q: TimelineQuery): TimelineQuery {
  const out: TimelineQuery = { ...q };
  for (const k of PAGING_KEYS) delete out[k];
  return out;
}

interface RawView { id: number; name: string; query: string; updated_at: string }
const toView = (r: RawView): SavedView => ({ id: r.id, name: r.name, query: JSON.parse(r.query) as TimelineQuery, updatedAt: r.updated_at });

export function listViews(db: Db): SavedView[] {
  return (db.prepare('SELECT id, name, query, updated_at FROM saved_views ORDER BY name COLLATE NOCASE').all() as RawView[]).map(toView);
}

export function findView(db: Db, name: string): SavedView | null {
  const r = db.prepare('SELECT id, name, query, updated_at FROM saved_views WHERE name = ?').get(name) as RawView | undefined;
  return r ? toView(r) : null;
}

export function saveView(db: Db, name: string, query: TimelineQuery): SavedView {
  const clean = name.trim();
  if (!clean) throw new AnalystInputError('a saved view needs a name');
  timelineWhere(query); // refuses a malformed search before it is stored
  const q = JSON.stringify(viewQuery(query));
  const now = nowIso();
  return db.transaction(() => {
    db.prepare(`INSERT INTO saved_views (name, query, created_at, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET query = excluded.query, updated_at = excluded.updated_at`).run(clean, q, now, now);
    audit(db, 'view.save', { name: clean, query: JSON.parse(q) });
    return findView(db, clean)!;
  }).immediate();
}

export function deleteView(db: Db, name: string): void {
  db.transaction(() => {
    const n = db.prepare('DELETE FROM saved_views WHERE name = ?').run(name).changes;
    if (!n) throw new AnalystInputError(`no saved view named "${name}"`);
    audit(db, 'view.delete', { name });
  }).immediate();
}

const COLOR = /^#[0-9a-f]{6}$/i;

export function setTagColor(db: Db, tag: string, color: string | null): void {
  const t = tag.trim();
  if (!t) throw new AnalystInputError('a tag cannot be empty');
  if (color !== null && !COLOR.test(color)) throw new AnalystInputError(`tag colour "${color}" must be #rrggbb`);
  db.transaction(() => {
    if (color === null) db.prepare('DELETE FROM tag_colors WHERE tag = ?').run(t);
    else db.prepare('INSERT INTO tag_colors (tag, color) VALUES (?, ?) ON CONFLICT(tag) DO UPDATE SET color = excluded.color').run(t, color.toLowerCase());
    audit(db, 'tag.color', { tag: t, color });
  }).immediate();
}

/** The events a bulk action applies to, as SQL over `events`. */
function targetSql(m: BulkMark): { sql: string; params: unknown[] } {
  if (m.ids && m.query) throw new AnalystInputError('give either event ids or a query, not both');
  if (m.ids) return { sql: 'id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(m.ids)] };
  if (m.query) return timelineWhere(viewQuery(m.query));
  throw new AnalystInputError('give the event ids or the query to tag or star');
}

/** Tags, untags or stars many events in one transaction (one audit entry with the count). */
export function bulkMark(db: Db, m: BulkMark): { count: number } {
  const tag = m.tag?.trim();
  if (m.tag !== undefined && !tag) throw new AnalystInputError('a tag cannot be empty');
  if (tag === undefined && m.starred === undefined) throw new AnalystInputError('say what to do: a tag to add or remove, or starred true/false');
  ensureQueryFunctions(db);
  const target = targetSql(m);
  return db.transaction(() => {
    const count = (db.prepare(`SELECT count(*) AS n FROM events WHERE ${target.sql}`).get(...target.params) as { n: number }).n;
    if (tag !== undefined && m.untag) {
      db.prepare(`DELETE FROM event_tags WHERE tag = ? AND event_id IN (SELECT id FROM events WHERE ${target.sql})`).run(tag, ...target.params);
    } else if (tag !== undefined) {
      db.prepare(`INSERT OR IGNORE INTO event_tags (event_id, tag) SELECT id, ? FROM events WHERE ${target.sql}`).run(tag, ...target.params);
    }
    if (m.starred !== undefined) {
      db.prepare(`INSERT INTO event_marks (event_id, starred) SELECT id, ? FROM events WHERE ${target.sql}
        ON CONFLICT(event_id) DO UPDATE SET starred = excluded.starred`).run(m.starred ? 1 : 0, ...target.params);
    }
    audit(db, 'event.bulk', { count, tag: tag ?? null, untag: !!m.untag, starred: m.starred ?? null, ids: m.ids?.slice(0, 1000) ?? null, query: m.query ? viewQuery(m.query) : null });
    return { count };
  }).immediate();
}

const UI_PREFIX = 'ui.';
const MAX_SETTING = 64 * 1024;

export function getUiSettings(db: Db): Record<string, string> {
  const rows = db.prepare("SELECT key, value FROM meta WHERE key LIKE 'ui.%'").all() as Array<{ key: string; value: string }>;
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export function setUiSetting(db: Db, key: string, value: string): void {
  if (!key.startsWith(UI_PREFIX) || key.length > 200) throw new AnalystInputError(`display setting keys start with "${UI_PREFIX}" (got "${key.slice(0, 60)}")`);
  if (value.length > MAX_SETTING) throw new AnalystInputError(`display setting ${key} is too long`);
  if (getMeta(db, key) !== value) setMeta(db, key, value);
}
