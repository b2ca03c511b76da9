// Timeline view types shared by its components and the pure helpers (no DOM, so Node tests can import them).
import type { TimelineQuery } from '../../shared/api.ts';

export type Filters = Omit<TimelineQuery, 'after' | 'offset' | 'limit' | 'order'>;
export type PivotTarget = { field: string; value: string };
export interface PivotChoice { target: PivotTarget; exclude: boolean }
