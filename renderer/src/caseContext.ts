// The open case and the display zone, shared by every view.
import { createContext, useContext } from 'react';
import type { CaseInfo } from '../../shared/api.ts';

export interface CaseState {
  info: CaseInfo | null;
  refresh: () => void;
  /** Zone used to display times: "UTC" or the case's display zone. */
  zone: string;
}

export const CaseContext = createContext<CaseState>({ info: null, refresh: () => {}, zone: 'UTC' });
export const useCase = (): CaseState => useContext(CaseContext);
