// Numbered migrations, applied in number order; each case records the ones it has (see ../migrate.ts).
import type { Db } from '../db.ts';
import * as m001 from './001-initial.ts';
import * as m002 from './002-confidence-completeness.ts';
import * as m003 from './003-compact-events.ts';
import * as m004 from './004-views-tags.ts';
import * as m005 from './005-recovered-outcomes.ts';
import * as m007 from './007-exact-names.ts';
import * as m008 from './008-sort-indexes.ts';
import * as m009 from './009-file-log-spans.ts';

/**
 * `present`, where given, tells whether the migration's change is in a case written before cases recorded their
 * migrations (see ../migrate.ts): migrations were numbered per issue and merged out of order, so such a case can carry
 * a higher user_version and still lack it.
 */
export interface Migration {
  version: number;
  sql: string;
  present?: (db: Db) => boolean;
  /** Rebuilds tables that others point at: run with foreign keys off (SQLite's way), so no DROP cascades. */
  rebuildsTables?: boolean;
  /** Runs after `sql`, in its transaction. */
  after?: (db: Db) => void;
}

export const MIGRATIONS: readonly Migration[] = [m001, m002, m003, m004, m005, m007, m008, m009];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
