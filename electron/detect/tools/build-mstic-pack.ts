// Builds resources/iocs/mstic-exchange-march2021.json from Microsoft's public feed (facts: hashes, paths, domains),
// marking path indicators that are also stock Exchange files in the CSS-Exchange baseline.
// Run: node --import tsx electron/detect/tools/build-mstic-pack.ts [../shared/data/iocs] [resources/iocs]
import fs from 'node:fs';
import path from 'node:path';
import { parseCsvIocs } from '../ioc-import.ts';
import { exchangeRelative } from '../paths.ts';

interface MsticRow { DateAdded: string; FirstSeen: string; Indicator: string; IndicatorType: string; AdditionalMetadata: { FileMd5?: string; FileSha1?: string } | '' }

const srcDir = path.resolve(process.argv[2] ?? '../shared/data/iocs');
const outDir = path.resolve(process.argv[3] ?? 'resources/iocs');
const json = JSON.parse(fs.readFileSync(path.join(srcDir, 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.json'), 'utf8')) as MsticRow[];
const csv = parseCsvIocs(fs.readFileSync(path.join(srcDir, 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv'), 'utf8'));
const baselinePaths = new Set(fs.readFileSync(path.join(srcDir, 'baseline_15.1.2176.9.csv'), 'utf8').split('\n')
  .map((l) => l.split(',').slice(2).join(',').trim().toLowerCase()).filter(Boolean));

const seen = new Set<string>();
const indicators: Array<Record<string, unknown>> = [];
const add = (type: string, value: string, extra: Record<string, unknown>): void => {
  const key = `${type}\u0000${value.toLowerCase()}`;
  if (seen.has(key)) return;
  seen.add(key);
  indicators.push({ type, value, ...extra });
};
for (const r of json) {
  const type = r.IndicatorType === 'filepath' ? 'path' : r.IndicatorType === 'domainname' ? 'domain' : r.IndicatorType;
  const value = type === 'sha256' ? r.Indicator.toLowerCase() : r.Indicator;
  const extra: Record<string, unknown> = { dateAdded: r.DateAdded, ...(r.FirstSeen ? { firstSeen: r.FirstSeen } : {}) };
  if (type === 'path') {
    const rel = exchangeRelative(value);
    if (rel && baselinePaths.has(rel.toLowerCase())) extra.legitimateExchangeFile = true;
  }
  add(type, value, extra);
  if (r.AdditionalMetadata && r.AdditionalMetadata.FileMd5) add('md5', r.AdditionalMetadata.FileMd5.toLowerCase(), { sha256: value });
  if (r.AdditionalMetadata && r.AdditionalMetadata.FileSha1) add('sha1', r.AdditionalMetadata.FileSha1.toLowerCase(), { sha256: value });
}
// The CSV is the primary published form: every one of its indicators must be in the pack.
for (const i of csv.indicators) if (!seen.has(`${i.type}\u0000${i.value.toLowerCase()}`)) throw new Error(`CSV indicator missing from pack: ${i.type} ${i.value}`);

const pack = {
  name: 'Microsoft MSTIC — Exchange Server vulnerabilities disclosed March 2021',
  source: {
    publisher: 'Microsoft Threat Intelligence Center (MSTIC)',
    repository: 'https://github.com/Azure/Azure-Sentinel',
    files: ['Sample Data/Feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv', 'Sample Data/Feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.json'],
    tlp: 'WHITE',
  },
  notes: 'Derived by Loupe: indicator values, types and dates only; duplicates removed; MD5/SHA-1 of the sha256 rows added as their own indicators; path indicators that are also stock Exchange 2016 CU19 files (CSS-Exchange baseline 15.1.2176.9) are marked legitimateExchangeFile — a path match alone is no proof for those.',
  generatedBy: 'electron/detect/tools/build-mstic-pack.ts',
  indicators,
};
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'mstic-exchange-march2021.json'), JSON.stringify(pack, null, 1) + '\n');
console.log(`wrote ${indicators.length} indicators to ${path.join(outDir, 'mstic-exchange-march2021.json')}`);
