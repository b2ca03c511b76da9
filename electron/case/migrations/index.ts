// Numbered migrations, applied in order; PRAGMA user_version records the last one applied.
import * as m001 from './001-initial.ts';
import * as m002 from './002-confidence-completeness.ts';
import * as m004 from './004-views-tags.ts';
import * as m005 from './005-recovered-outcomes.ts';
import * as m007 from './007-exact-names.ts';

export interface Migration { version: number; sql: string }

export const MIGRATIONS: readonly Migration[] = [m001, m002, m004, m005, m007];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
