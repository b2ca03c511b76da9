// The one writer of a case during an index run. Batches from the parse workers go into one open transaction that is
// committed every COMMIT_ROWS events or COMMIT_MS (with the per-minute counts gathered meanwhile), so commits are few
// and large whatever the size of the evidence. A file's last rows, its file-system events and its `done` mark are
// written in the same transaction, so a killed run leaves only unfinished files to redo.
import type { TimelineEvent } from '../../shared/types.ts';
import type { Db } from '../case/db.ts';
import { BatchWriter, type EventBatch } from '../case/event-batch.ts';
import { EventEncoder } from '../case/event-encoder.ts';
import { EventStore } from '../case/event-store.ts';

const COMMIT_ROWS = 250_000;
const COMMIT_MS = 2000;

export class CaseWriter {
  private readonly store: EventStore;
  private inTx = false;
  private rowsInTx = 0;
  private txStart = 0;

  constructor(private readonly db: Db) {
    this.store = new EventStore(db);
  }

  /** Writes a batch of one file's events; `scope` is the number of the encoder (task) that produced it. Returns the first event's id. */
  batch(batch: EventBatch, scope: number, fileId: number): number {
    this.begin();
    const first = this.store.insert(batch, scope, fileId);
    this.rowsInTx += batch.rows;
    this.maybeCommit();
    return first;
  }

  /** Encodes and writes events made on this thread (file-system times); returns how many. */
  events(events: TimelineEvent[], scope: number, fileId: number): number {
    if (!events.length) return 0;
    const out = new BatchWriter(16 << 10);
    const enc = new EventEncoder(out);
    for (const e of events) enc.push(e);
    enc.flush();
    this.batch(out.finish(), scope, fileId);
    this.store.endScope(scope);
    return events.length;
  }

  /** Runs other writes inside the open transaction. */
  within<T>(fn: () => T): T {
    this.begin();
    return fn();
  }

  /** A file's encoder is done: its layout numbers can go. */
  endScope(scope: number): void {
    this.store.endScope(scope);
  }

  maybeCommit(): void {
    if (this.rowsInTx >= COMMIT_ROWS || performance.now() - this.txStart >= COMMIT_MS) this.commit();
  }

  commit(): void {
    if (!this.inTx) return;
    this.store.finish();
    this.db.exec('COMMIT');
    this.inTx = false;
  }

  /** Abandons the open transaction (after an error). */
  rollback(): void {
    if (!this.inTx) return;
    this.inTx = false;
    this.store.drop();
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private begin(): void {
    if (this.inTx) return;
    this.db.exec('BEGIN IMMEDIATE');
    this.inTx = true;
    this.rowsInTx = 0;
    this.txStart = performance.now();
  }
}
