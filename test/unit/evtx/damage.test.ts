// Specific kinds of damage, each with the warning and the records it must leave.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATA_MISSING, evtxDir, haveData, parseBytes, repoRoot } from './support.ts';

const SYSMON = 'Execution__exec_sysmon_webshell_w3wp_enum.evtx'; // 1 chunk, 9 records
const SECURITY = 'Defense_Evasion__DE_1102_security_log_cleared.evtx'; // 2 chunks, 112 records
const load = (name: string) => new Uint8Array(fs.readFileSync(path.join(evtxDir, name)));
const ids = (es: { ref: { record?: number } }[]) => es.map((e) => e.ref.record);

test('a flipped byte inside a record value: chunk CRC warning at the chunk offset, every record still yielded', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const clean = await parseBytes(load(SYSMON));
  const bytes = load(SYSMON);
  const at = Buffer.from(bytes).indexOf(Buffer.from('Windows Command Processor', 'utf16le'), 4096);
  const victim = clean.events.findLastIndex((e) => e.ref.offset! < at);
  bytes[at] ^= 0x20; // W becomes w
  const { events, warnings } = await parseBytes(bytes);
  assert.deepEqual(ids(events), ids(clean.events));
  assert.equal(events[victim].fields['data.Description'], 'windows Command Processor');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].offset, 4096);
  assert.match(warnings[0].message, /^evtx: chunk records CRC mismatch/);
});

test('a damaged record header breaks the chain there: the records after it are yielded, marked recovered from a damaged chunk', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const clean = await parseBytes(load(SYSMON));
  const bytes = load(SYSMON);
  const victim = clean.events[4];
  bytes[victim.ref.offset!] = 0x41; // record signature "**\0\0" → "A*\0\0"
  const { events, warnings } = await parseBytes(bytes);
  assert.deepEqual(ids(events), ids(clean.events).filter((id) => id !== victim.ref.record));
  const marked = (e: (typeof events)[number]) => ({ ...e, fields: { ...e.fields, recovered: 'damaged chunk' } });
  assert.deepEqual(events, [...clean.events.slice(0, 4), ...clean.events.slice(5).map(marked)]);
  assert.ok(warnings.some((w) => w.offset === victim.ref.offset && /record chain broken/.test(w.message)), JSON.stringify(warnings));
});

test('a zeroed file header: warned at offset 0, all chunks still read', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const clean = await parseBytes(load(SECURITY));
  const bytes = load(SECURITY);
  bytes.fill(0, 0, 4096);
  const { events, warnings } = await parseBytes(bytes);
  assert.deepEqual(events, clean.events);
  assert.deepEqual(warnings, [{ offset: 0, message: 'evtx: file header signature "ElfFile" missing; looking for chunks anyway' }]);
});

test('a chunk header with a wrong free-space offset and CRC: records past that offset are still read, marked recovered from slack', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const clean = await parseBytes(load(SECURITY));
  const bytes = load(SECURITY);
  new DataView(bytes.buffer).setUint32(4096 + 48, 1024, true);
  const { events, warnings } = await parseBytes(bytes);
  assert.deepEqual(ids(events).sort(), ids(clean.events).sort());
  for (const e of events) {
    const inFirstChunk = e.ref.offset! < 4096 + 65536;
    assert.equal(e.fields.recovered, inFirstChunk && e.ref.offset! >= 4096 + 1024 ? 'slack' : undefined, `record ${e.ref.record}`);
  }
  assert.ok(warnings.some((w) => w.offset === 4096 && /chunk header CRC mismatch/.test(w.message)));
});

test('a truncated file: records before the cut, a warning for the cut chunk', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const clean = await parseBytes(load(SECURITY));
  const second = clean.events.findIndex((e) => e.ref.offset! >= 4096 + 65536);
  const cut = clean.events[second + 5].ref.offset! + 10;
  const { events, warnings } = await parseBytes(load(SECURITY).subarray(0, cut));
  assert.deepEqual(events, clean.events.slice(0, second + 5));
  assert.ok(warnings.some((w) => w.offset === 4096 + 65536 && /chunk truncated/.test(w.message)), JSON.stringify(warnings));
  const atBoundary = await parseBytes(load(SECURITY).subarray(0, 4096 + 65536));
  assert.deepEqual(atBoundary.events, clean.events.slice(0, second));
  assert.deepEqual(atBoundary.warnings, [{ offset: 4096 + 65536, message: 'evtx: file ends after 1 of 2 chunks' }]);
});

test('a carved chunk without its file header is still read', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const clean = await parseBytes(load(SYSMON));
  const { events, warnings } = await parseBytes(load(SYSMON).subarray(4096));
  assert.deepEqual(ids(events), ids(clean.events));
  assert.deepEqual(events.map((e) => e.ref.offset), clean.events.map((e) => e.ref.offset! - 4096));
  assert.match(warnings[0].message, /no file header/);
});

test('not an EVTX file at all, or empty: warnings, no events, no exception', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const iis = path.resolve(repoRoot, '../shared/data/iis');
  const text = fs.readdirSync(iis).map((f) => fs.readFileSync(path.join(iis, f)))[0];
  const notEvtx = await parseBytes(new Uint8Array(text));
  assert.equal(notEvtx.events.length, 0);
  assert.equal(notEvtx.warnings[0].offset, 0);
  assert.ok(notEvtx.warnings.length >= 2, JSON.stringify(notEvtx.warnings));
  const empty = await parseBytes(new Uint8Array(0));
  assert.deepEqual(empty, { events: [], warnings: [{ offset: 0, message: 'evtx: empty file' }] });
});

const hard = (name: string) => path.resolve(repoRoot, '../shared/data/evtx-hard', name);
const WEC = hard('rs__samples__MSExchange_Management_wec.evtx');
const SMB = hard('hay__EVTX-to-MITRE-Attack__TA0007-Discovery__T1135.xxx-Network Share Discovery__ID5140-5145-Bloodhound-SharpHound enumeration via SMB.evtx');

test('an unreadable record with control characters in its element name: one file-level warning, the characters escaped', { skip: !fs.existsSync(WEC) && 'evtx-hard absent' }, async () => {
  const bytes = new Uint8Array(fs.readFileSync(WEC));
  assert.deepEqual([...bytes.subarray(0x122d, 0x1231)], [0x45, 0, 0x76, 0]); // "Ev" of the record's inline <Event> name
  bytes[0x122d] = 0x01;
  bytes[0x122f] = 0x00;
  assert.equal(bytes[0x12c4], 0x02); // close-start token after <Event>'s attributes
  bytes[0x12c4] = 0x0b;
  const { events, warnings } = await parseBytes(bytes);
  assert.deepEqual(events, []);
  const about = warnings.filter((w) => /could (not )?be decoded/.test(w.message));
  assert.equal(about.length, 1, JSON.stringify(warnings));
  assert.equal(about[0].offset, 4608);
  assert.equal(about[0].message,
    'evtx: this log was not read: none of its 1 records could be decoded (at offsets 4608); first error: element <\\u0001\\u0000ent>: expected close-start token, found 0xb at 708');
  for (const w of warnings) assert.doesNotMatch(w.message, /[\u0000-\u001f]/);
});

test('a slack record whose names were overwritten since is not shown (it would read as garbled element names)', { skip: !fs.existsSync(SMB) && 'evtx-hard absent' }, async () => {
  const clean = await parseBytes(new Uint8Array(fs.readFileSync(SMB)));
  const bytes = new Uint8Array(fs.readFileSync(SMB));
  // A record in the slack of the last chunk, a copy of a live record (so not shown); give it a number of its own.
  const at = 174736;
  assert.equal(new DataView(bytes.buffer).getUint32(at + 8, true), 59);
  new DataView(bytes.buffer).setUint32(at + 8, 999_999, true);
  const { events } = await parseBytes(bytes);
  assert.deepEqual(events, clean.events);
});
