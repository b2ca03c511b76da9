// Registry: file kind → the parser that reads it. Adding a format touches this file and one parser file.
import type { FileKind, SourceId } from '../../../shared/types.ts';
import { parseAccessLog } from './access-log.ts';
import { parseBodyfile } from './bodyfile.ts';
import { parseEcpServer } from './ecp-server.ts';
import { parseHttpProxy } from './httpproxy.ts';
import { parseIis } from './iis.ts';
import { parseOabGenerator } from './oab-generator.ts';
import type { Parser } from './types.ts';
import { parseEvtx } from './evtx/index.ts';
import { parseEvtxECmd } from './tools/evtxecmd.ts';
import { parseChainsawCsv, parseChainsawJson } from './tools/chainsaw.ts';
import { parseHayabusaCsv, parseHayabusaJsonl } from './tools/hayabusa.ts';
import { parseKapeConsoleLog, parseKapeCopyLog } from './tools/kape.ts';
import { parseMftECmdJ, parseMftECmdMft } from './tools/mftecmd.ts';
import { parsePlasoCsv, parsePlasoJsonl } from './tools/plaso.ts';
import { parseTimelineCsv } from './tools/timeline-csv.ts';

export interface RegisteredParser {
  /** Parser id, stored with each file (equals the events' source). */
  id: SourceId;
  parse: Parser;
}

const PARSERS: Partial<Record<FileKind, RegisteredParser>> = {
  'iis-log': { id: 'iis', parse: parseIis },
  'httpproxy-log': { id: 'httpproxy', parse: parseHttpProxy },
  'ecp-server-log': { id: 'ecp-server', parse: parseEcpServer },
  'oab-generator-log': { id: 'oab-generator', parse: parseOabGenerator },
  'access-log': { id: 'access-log', parse: parseAccessLog },
  bodyfile: { id: 'bodyfile', parse: parseBodyfile },
  evtx: { id: 'evtx', parse: parseEvtx },
  'evtxecmd-csv': { id: 'evtxecmd', parse: parseEvtxECmd },
  'mftecmd-mft-csv': { id: 'mftecmd', parse: parseMftECmdMft },
  'mftecmd-j-csv': { id: 'mftecmd', parse: parseMftECmdJ },
  'hayabusa-csv': { id: 'hayabusa', parse: parseHayabusaCsv },
  'hayabusa-jsonl': { id: 'hayabusa', parse: parseHayabusaJsonl },
  'chainsaw-json': { id: 'chainsaw', parse: parseChainsawJson },
  'chainsaw-csv': { id: 'chainsaw', parse: parseChainsawCsv },
  'plaso-jsonl': { id: 'plaso', parse: parsePlasoJsonl },
  'plaso-csv': { id: 'plaso', parse: parsePlasoCsv },
  'timeline-csv': { id: 'timeline-csv', parse: parseTimelineCsv },
  'kape-copy-log': { id: 'kape', parse: parseKapeCopyLog },
  'kape-console-log': { id: 'kape', parse: parseKapeConsoleLog },
};

/** The parser for a file kind, or null when files of that kind yield no timeline events. */
export function parserFor(kind: FileKind): { id: string; parse: Parser } | null {
  return PARSERS[kind] ?? null;
}
