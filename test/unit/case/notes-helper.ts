// A note written the way the service writes it (event_marks), for read-side tests.
import type { Db } from '../../../electron/case/db.ts';

export function setNote(db: Db, eventId: number, note: string): void {
  db.prepare('INSERT INTO event_marks (event_id, note) VALUES (?, ?) ON CONFLICT(event_id) DO UPDATE SET note = excluded.note').run(eventId, note);
}
