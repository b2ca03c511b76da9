// What the Electron preload puts on window; absent in browser mode.
import type { LoupeApi } from '../../shared/api.ts';

declare global {
  interface LoupeShell {
    pickFolder(): Promise<string | null>;
    pickFile(opts?: { filters?: Array<{ name: string; extensions: string[] }> }): Promise<string | null>;
    saveFile(opts?: { defaultPath?: string }): Promise<string | null>;
  }
  interface Window {
    loupe?: LoupeApi;
    loupeShell?: LoupeShell;
  }
}
export {};
