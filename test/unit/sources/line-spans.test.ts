// The bulk parsers pack most fields straight from the line (no string per field). These tests hold that path to the
// one that makes every field a string first: the same fields, the same warnings and the same encoded batch bytes,
// on odd input (quoted commas, doubled quotes, NUL bytes, truncated lines, bad UTF-8, BOM, CRLF, odd numbers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchWriter } from '../../../electron/case/event-batch.ts';
import { EventEncoder } from '../../../electron/case/event-encoder.ts';
import { splitCsvFields, splitCsvSpans, SPANS_OPEN, SPANS_UNCUT } from '../../../electron/ingest/sources/csv-line.ts';
import { httpProxyParser } from '../../../electron/ingest/sources/httpproxy.ts';
import type { Parser } from '../../../electron/ingest/sources/types.ts';
import { EVENT_RUNS, parseLinesWith } from '../../../electron/ingest/sources/util.ts';
import type { TextLine } from '../../../electron/ingest/lines.ts';
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { chunksOf, collect } from './helpers.ts';

const collectEvents = (parse: Parser, bytes: Buffer) => collect(parse, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210304.log', bytes, 333);

test('splitCsvSpans cuts the same fields as splitCsvFields, or says why not', () => {
  const lines = ['a,b,c', ',,', 'a,"b,c",d', '"a ""quoted"" word",x', '"",""""', '"trailing comma",', 'x,"q"tail,y', 'a,"open',
    'ab"c,d', '"x"', ',', '', 'é,ü"ö,"ß,ẞ"', '2021-03-03T02:15:30.451Z,"Mozilla/5.0 (KHTML, like Gecko)",,200', '"a\nb",c'];
  const spans: number[] = [];
  for (const line of lines) {
    const n = splitCsvSpans(line, spans);
    const fields = splitCsvFields(line);
    if (n === SPANS_OPEN) { assert.equal(fields, null, line); continue; }
    if (n === SPANS_UNCUT) { assert.ok(line.includes('""') || /"[^,]/.test(line), line); continue; }
    const cut = Array.from({ length: n }, (_, k) => (spans[2 * k] === spans[2 * k + 1] ? null : line.slice(spans[2 * k], spans[2 * k + 1])));
    assert.deepEqual(cut, fields, line);
  }
});

const COLUMNS = 'DateTime,RequestId,MajorVersion,Protocol,UrlHost,UrlStem,AuthenticatedUser,AnchorMailbox,UserAgent,ClientIpAddress,'
  + 'ServerHostName,HttpStatus,BackEndStatus,Method,RoutingHint,BackEndCookie,RequestBytes,ResponseBytes,UrlQuery,GenericInfo,GenericErrors,TargetServer';

/** One data row; `i` varies the values so the layout learns defaults and templates and later rows use them. */
function row(i: number): string {
  const t = `2021-03-04T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z`;
  const ua = i % 7 === 0 ? '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"' : 'Apple-iPhone12C1/1803.148';
  const info = i % 5 === 0 ? 'Note=odd' : `BeginRequest=${t};CorrelationID=<empty>;ProxyState-Run=None;EndRequest=${t};`;
  return [t, `id-${i}`, '15', i % 3 ? 'Eas' : '', 'mail.contoso.com', i % 4 ? '/Microsoft-Server-ActiveSync/default.eas' : '/owa/auth/x.js',
    i % 2 ? `CONTOSO\\user${i % 9}` : '', `Smtp~user${i % 9}@contoso.com`, ua, `10.0.${i % 250}.${i % 13}`, 'EXCH01', i % 11 ? '200' : '401',
    '200', i % 2 ? 'POST' : 'GET', 'ActiveSyncDeviceId', i % 6 ? '' : 'Server~EXCH01.contoso.local~1942062522~', String(i * 37), String(1000 + i),
    `?Cmd=Ping&User=user${i % 9}`, info, i % 17 ? '' : 'err,"x"', 'EXCH01.contoso.local'].join(',');
}

/** Rows that are odd in one way each: every one must give the same event (or warning) by both paths. */
const ODD = [
  row(1000).replace(',15,', ',007,'), row(1001).replace(',15,', ',1e3,'), row(1002).replace(',15,', ', 5,'), row(1003).replace(',15,', ',-0,'),
  row(1004).replace(',15,', ',abc,'), row(1005).replace(',15,', ',123456789012345678,'), row(1006).replace(',15,', ',0x1F,'),
  row(1007).replace(',15,', ',"15",'), row(1008).replace('mail.contoso.com', '"mail.contoso.com, with comma"'),
  row(1009).replace('mail.contoso.com', '"say ""hi"""'), row(1010).replace('mail.contoso.com', '"quoted"tail'),
  row(1011).replace('ActiveSyncDeviceId', 'Gerät-ünïcode-✓'), row(1012).replace('ActiveSyncDeviceId', `${'x'.repeat(80)}é`),
  row(1013).replace('ActiveSyncDeviceId', 'x'.repeat(200)), row(1014).replace('mail.contoso.com', '"line one\nline two"'),
  row(1015).replace(/,/g, ';'), row(1016).slice(0, 120), 'not a time' + row(1017).slice(24), row(1018).replace(',EXCH01,', ',,'),
  row(1019).replace('<empty>', '<emp\u0001ty>'), row(1020).replace('Note=odd', 'BeginRequest=2021-03-04T00:00:00.000Z;CorrelationID=<empty>;ProxyState-Run=None;EndRequest=x;'),
  row(1021).replace(',200,', ',-,'), COLUMNS, row(1022), '#Fields: ' + COLUMNS.split(',').slice(0, 12).join(','),
  row(1023).split(',').slice(0, 12).join(','), row(1024).split(',').slice(0, 12).join(',').replace(',15,', ',,'), COLUMNS,
];

/** The file's bytes: a BOM, CRLF and LF lines, a NUL byte and a bad UTF-8 byte inside data rows, a last line cut short. */
function oddFile(): Buffer {
  const lines = [COLUMNS, ...Array.from({ length: 300 }, (_, i) => row(i)), ...ODD, ...Array.from({ length: 1500 }, (_, i) => row(2000 + i)), row(3000).slice(0, 200)];
  const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf])];
  lines.forEach((l, i) => {
    let b = Buffer.from(l + (i % 3 === 0 ? '\r\n' : '\n'), 'utf8');
    if (i === 40) b = Buffer.concat([b.subarray(0, 30), Buffer.from([0]), b.subarray(30)]);
    if (i === 41 || i === 350) b = Buffer.concat([b.subarray(0, 60), Buffer.from([0xc3, 0x28, 0xff]), b.subarray(60)]);
    parts.push(b);
  });
  return Buffer.concat(parts.slice(0, -1).concat(parts[parts.length - 1].subarray(0, -1)));
}

/** Parses and encodes like a parse worker; returns the events' fields and messages, the warnings and the batch bytes. */
async function run(parse: Parser, bytes: Buffer, chunk: number) {
  const warnings: unknown[] = [];
  const events: unknown[] = [];
  const batches: Buffer[] = [];
  const out = new BatchWriter(1 << 16);
  const enc = new EventEncoder(out);
  const send = () => { const b = out.finish(); batches.push(Buffer.from(b.buf), Buffer.from(JSON.stringify(b.layouts))); };
  for await (const ev of parse({ rel: 'V15/Logging/HttpProxy/Eas/HttpProxy_1.LOG', chunks: chunksOf(bytes, chunk) }, { warn: (w) => warnings.push(w) })) {
    enc.push(ev);
    events.push({ ts: ev.ts, host: ev.host, message: ev.message, ref: ev.ref, fields: ev.fields });
    if (out.rows >= 97) send();
  }
  enc.flush();
  send();
  return { events, warnings, bytes: Buffer.concat(batches) };
}

test('HttpProxy: packing fields from the line gives the same events, warnings and batch bytes as strings per field', async () => {
  const bytes = oddFile();
  for (const chunk of [1 << 20, 777]) {
    const strings = await run(httpProxyParser(false), bytes, chunk);
    const spans = await run(httpProxyParser(true), bytes, chunk);
    assert.ok(strings.events.length > 440, `events: ${strings.events.length} ${JSON.stringify(strings.warnings.slice(0, 5))}`);
    assert.ok(strings.warnings.length >= 5, `warnings: ${strings.warnings.length}`);
    assert.deepEqual(spans.warnings, strings.warnings);
    assert.deepEqual(spans.events, strings.events);
    assert.ok(spans.bytes.equals(strings.bytes), 'batch bytes differ');
  }
});

test('a line parser hands its events over in runs; the events before a parser error still come out, then the error', async () => {
  const lines = Buffer.from(Array.from({ length: 600 }, (_, i) => `line ${i}`).join('\n'));
  const input = () => ({ rel: 'x.log', chunks: chunksOf(lines, 1000) });
  const handler = () => ({
    line: (l: TextLine): TimelineEvent => {
      if (l.line === 400) throw new Error('parser bug');
      return { ts: l.line, tsDesc: 'x', source: 'iis', message: l.text, fields: {}, ref: { file: 'x.log', line: l.line } };
    },
  });
  const parsed = parseLinesWith(input(), { warn: () => {} }, handler);
  const seen: number[] = [];
  await assert.rejects(async () => { for await (const run of parsed[EVENT_RUNS]!()) for (const e of run) seen.push(e.ts); }, /parser bug/);
  assert.deepEqual(seen, Array.from({ length: 399 }, (_, i) => i + 1));
  const one: number[] = [];
  await assert.rejects(async () => { for await (const e of parseLinesWith(input(), { warn: () => {} }, handler)) one.push(e.ts); }, /parser bug/);
  assert.deepEqual(one, seen);
});

test('IIS: numbers and dashes read from the line are the values Number() gives the field text', async () => {
  const fields = ['date', 'time', 's-ip', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 's-port', 'c-ip', 'sc-status', 'time-taken', 'sc-bytes'];
  const odd = ['443', '007', '1e3', '-', 'abc', '-0', '0x1F', '1234567890123456789', ' ', '+5', '12.50', 'Infinity', '٣', '0'];
  const lines = odd.map((v, i) => `2021-03-04 00:00:${String(i).padStart(2, '0')} 10.0.0.5 GET /owa/ ${i % 2 ? '-' : 'a=1'} ${v} 1.2.3.4 ${v} ${odd[(i + 3) % odd.length]} ${v}`);
  const text = `#Fields: ${fields.join(' ')}\r\n${lines.join('\r\n')}\r\n`;
  const { events } = await collectEvents(parseIis, Buffer.from(text));
  const numeric = new Set(['s-port', 'sc-status', 'time-taken', 'sc-bytes']);
  const reference = (raw: string, name: string): FieldValue => {
    if (raw === '-' || raw === '') return null;
    return numeric.has(name) && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  };
  const expected = lines.filter((l) => l.split(' ').length === fields.length)
    .map((l) => Object.fromEntries(l.split(' ').map((raw, k) => [fields[k], reference(raw, fields[k])])));
  assert.ok(expected.length >= 12);
  assert.deepEqual(events.map((e) => e.fields), expected);
});
