// Numbered migrations, applied in order; PRAGMA user_version records the last one applied.
import * as m001 from './001-initial.ts';
import * as m005 from './005-recovered-outcomes.ts';

export interface Migration { version: number; sql: string }

export const MIGRATIONS: readonly Migration[] = [m001, m005];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
