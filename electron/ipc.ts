// Electron door to the service: one invoke channel for LoupeApi calls and one for dialogs. Every call must come
// from the top frame of our own window, and its argument passes validate.ts before the service sees it.
import { BrowserWindow, dialog, ipcMain } from 'electron';
import type { IpcMainInvokeEvent, OpenDialogOptions } from 'electron';
import type { LoupeApi } from '../shared/api.ts';
import { callService, validateCall } from './validate.ts';

export const API_CHANNEL = 'loupe:api';
export const SHELL_CHANNEL = 'loupe:shell';

/** What crosses the bridge: a result, or an error message (Electron mangles thrown errors). */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string };

/** True when the message comes from the main frame of a window showing our app (not a subframe, not elsewhere). */
export function isTrustedSender(event: IpcMainInvokeEvent, appOrigin: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  try {
    // URL.origin is "null" for custom schemes, so compare scheme + host.
    const u = new URL(frame.url);
    return `${u.protocol}//${u.host}` === appOrigin;
  } catch {
    return false;
  }
}

export function registerIpc(service: LoupeApi, appOrigin: string): void {
  ipcMain.handle(API_CHANNEL, async (event, method: unknown, arg: unknown): Promise<IpcReply> => {
    if (!isTrustedSender(event, appOrigin)) return { ok: false, error: 'refused: call from an untrusted frame' };
    const v = validateCall(String(method), arg);
    if (!v.ok) return { ok: false, error: v.error };
    try {
      return { ok: true, value: await callService(service, v.method, arg) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  });

  ipcMain.handle(SHELL_CHANNEL, async (event, kind: unknown, opts: unknown): Promise<IpcReply> => {
    if (!isTrustedSender(event, appOrigin)) return { ok: false, error: 'refused: call from an untrusted frame' };
    const win = BrowserWindow.fromWebContents(event.sender);
    if (!win) return { ok: false, error: 'no window' };
    const o = (typeof opts === 'object' && opts !== null ? opts : {}) as { defaultPath?: unknown; filters?: unknown };
    const defaultPath = typeof o.defaultPath === 'string' ? o.defaultPath : undefined;
    if (kind === 'pickFolder' || kind === 'pickFile') {
      const props: OpenDialogOptions['properties'] = kind === 'pickFolder' ? ['openDirectory'] : ['openFile'];
      const r = await dialog.showOpenDialog(win, { properties: props, defaultPath });
      return { ok: true, value: r.canceled ? null : r.filePaths[0] ?? null };
    }
    if (kind === 'saveFile') {
      const r = await dialog.showSaveDialog(win, { defaultPath });
      return { ok: true, value: r.canceled ? null : r.filePath ?? null };
    }
    return { ok: false, error: `unknown dialog "${String(kind).slice(0, 40)}"` };
  });
}
