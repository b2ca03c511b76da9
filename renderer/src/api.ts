// The renderer's only way out: window.loupe. Electron's preload provides it; in browser mode it is built here
// from API_METHODS as POST /api/<method> calls (the session cookie carries the token).
import { API_METHODS } from '../../shared/api.ts';
import type { ApiMethod, LoupeApi } from '../../shared/api.ts';

export class ApiError extends Error {
  constructor(readonly method: ApiMethod, readonly status: number, message: string) { super(message); }
}

async function post(method: ApiMethod, arg: unknown): Promise<unknown> {
  const res = await fetch(`api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: arg === undefined ? '' : JSON.stringify(arg),
  });
  const text = await res.text();
  let body: unknown = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!res.ok) {
    const msg = (body as { error?: string } | null)?.error ?? `HTTP ${res.status}`;
    throw new ApiError(method, res.status, msg);
  }
  return body;
}

function httpApi(): LoupeApi {
  const api: Record<string, (arg?: unknown) => Promise<unknown>> = {};
  for (const m of API_METHODS) api[m] = (arg?: unknown) => post(m, arg);
  return api as unknown as LoupeApi;
}

export const api: LoupeApi = window.loupe ?? httpApi();
export const shell: LoupeShell | undefined = window.loupeShell;

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
