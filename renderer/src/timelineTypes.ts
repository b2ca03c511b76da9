// Timeline view types shared by its components and the pure helpers (no DOM, so Node tests can import them).
import type { TimelineQuery } from '../../shared/api.ts';

/** What the analyst sees: filters, search, sort and order (no paging). */
export type Filters = Omit<TimelineQuery, 'after' | 'offset' | 'limit'>;
export type PivotTarget = { field: string; value: string };
export interface PivotChoice { target: PivotTarget; exclude: boolean }
