// The sandboxed preload: exposes window.loupe (exactly LoupeApi, checked with `satisfies`) and window.loupeShell
// (dialogs), nothing else. Bundled to CommonJS by scripts/electron-build.mjs: sandboxed preloads cannot be ESM.
import { contextBridge, ipcRenderer } from 'electron';
import type { ApiMethod, LoupeApi } from '../shared/api.ts';

type Reply = { ok: true; value: unknown } | { ok: false; error: string };

async function call<T>(method: ApiMethod, arg?: unknown): Promise<T> {
  const r = (await ipcRenderer.invoke('loupe:api', method, arg)) as Reply;
  if (!r.ok) throw new Error(r.error);
  return r.value as T;
}

async function shell(kind: 'pickFolder' | 'pickFile' | 'saveFile', opts?: unknown): Promise<string | null> {
  const r = (await ipcRenderer.invoke('loupe:shell', kind, opts)) as Reply;
  if (!r.ok) throw new Error(r.error);
  return r.value as string | null;
}

const loupe = {
  createCase: (a) => call('createCase', a),
  openCase: (a) => call('openCase', a),
  closeCase: () => call('closeCase'),
  recentCases: () => call('recentCases'),
  getCase: () => call('getCase'),
  updateCaseMeta: (a) => call('updateCaseMeta', a),
  addEvidence: (a) => call('addEvidence', a),
  listEvidence: () => call('listEvidence'),
  startIndex: (a) => call('startIndex', a),
  getDetectionInputs: () => call('getDetectionInputs'),
  setDetectionInputs: (a) => call('setDetectionInputs', a),
  cancelIndex: () => call('cancelIndex'),
  getProgress: () => call('getProgress'),
  listWarnings: (a) => call('listWarnings', a),
  verify: () => call('verify'),
  queryTimeline: (a) => call('queryTimeline', a),
  histogram: (a) => call('histogram', a),
  getEvent: (a) => call('getEvent', a),
  findEvent: (a) => call('findEvent', a),
  listSources: () => call('listSources'),
  listHosts: () => call('listHosts'),
  listTags: () => call('listTags'),
  timelineIndex: (a) => call('timelineIndex', a),
  listViews: () => call('listViews'),
  saveView: (a) => call('saveView', a),
  deleteView: (a) => call('deleteView', a),
  getUiSettings: () => call('getUiSettings'),
  setUiSetting: (a) => call('setUiSetting', a),
  listSortIndexes: () => call('listSortIndexes'),
  dropSortIndex: (a) => call('dropSortIndex', a),
  listFiles: (a) => call('listFiles', a),
  previewFile: (a) => call('previewFile', a),
  listFindings: (a) => call('listFindings', a),
  listIntrusions: () => call('listIntrusions'),
  timelineRange: () => call('timelineRange'),
  verdicts: () => call('verdicts'),
  logCoverage: () => call('logCoverage'),
  listWebshells: () => call('listWebshells'),
  setStar: (a) => call('setStar', a),
  addTag: (a) => call('addTag', a),
  removeTag: (a) => call('removeTag', a),
  setNote: (a) => call('setNote', a),
  bulkMark: (a) => call('bulkMark', a),
  setTagColor: (a) => call('setTagColor', a),
  addManualEvent: (a) => call('addManualEvent', a),
  deleteManualEvent: (a) => call('deleteManualEvent', a),
  auditLog: (a) => call('auditLog', a),
  renderReportHtml: (a) => call('renderReportHtml', a),
  exportTo: (a) => call('exportTo', a),
} satisfies LoupeApi;

const loupeShell = {
  pickFolder: () => shell('pickFolder'),
  pickFile: (opts?: { filters?: Array<{ name: string; extensions: string[] }> }) => shell('pickFile', opts),
  saveFile: (opts?: { defaultPath?: string }) => shell('saveFile', opts),
};

contextBridge.exposeInMainWorld('loupe', loupe);
contextBridge.exposeInMainWorld('loupeShell', loupeShell);
