// PDF output: Chromium via playwright-core from Node (CLI), or an injected printToPDF (Electron's webContents).
import fs from 'node:fs';
import { writeFileAtomic } from '../safe-write.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const CANDIDATES = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', 'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
];

export const NO_CHROMIUM_MESSAGE = 'PDF output needs Chromium, Chrome or Edge and none was found: install one (Debian/Ubuntu: `sudo apt install chromium`) '
  + 'or set CHROMIUM_PATH to its executable — or export HTML (`--out report.html`) and print it to PDF from any browser.';

/** The Chromium to drive: $CHROMIUM_PATH when set, else the first common install path that exists. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : null;
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/** The PDF options both printers share: A4, backgrounds, the stylesheet's @page size and margin boxes. */
export const PDF_OPTIONS = { format: 'A4', printBackground: true, preferCSSPageSize: true } as const;

/** Renders the report HTML to a PDF file with a headless Chromium; no network request is allowed. */
export async function writeReportPdf(html: string, outPath: string): Promise<void> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(NO_CHROMIUM_MESSAGE);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ offline: true, javaScriptEnabled: false });
    const page = await context.newPage();
    // Belt and braces: the report makes no request, and none would be let through.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await writeFileAtomic(outPath, await page.pdf({ ...PDF_OPTIONS }));
  } finally {
    await browser.close();
  }
}

/** In Electron, main.ts passes a callback that loads the HTML into a hidden window and calls webContents.printToPDF. */
export type PrintToPdf = (html: string, options: typeof PDF_OPTIONS) => Promise<Uint8Array>;

export async function writeReportPdfWith(printToPdf: PrintToPdf, html: string, outPath: string): Promise<void> {
  await writeFileAtomic(outPath, await printToPdf(html, PDF_OPTIONS));
}
