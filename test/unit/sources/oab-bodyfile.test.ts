import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isoToMicros } from '../../../shared/types.ts';
import { groupTimes, parseBodyfile, splitBodyfileLine } from '../../../electron/ingest/sources/bodyfile.ts';
import { splitCsvLine } from '../../../electron/ingest/sources/csv-line.ts';
import { parseOabGenerator, splitLeadingTime, tempFilePathOf } from '../../../electron/ingest/sources/oab-generator.ts';
import { collect, sample } from './helpers.ts';

test('OABGenerator log: one event per timestamped line, continuations appended, TempFilePath extracted', async () => {
  const rel = 'V15/Logging/OABGeneratorLog/OABGenerator_2021030305-1.LOG';
  const { events, warnings } = await collect(parseOabGenerator, rel, sample('OABGenerator_2021030305-1.LOG'), 64, 'EXCH01');
  assert.equal(events.length, 4);
  assert.deepEqual(events.map((e) => e.ref.line), [2, 3, 7, 8]);
  assert.deepEqual(events.map((e) => e.ts), [
    isoToMicros('2021-03-03T05:12:10.123Z'), isoToMicros('2021-03-03T05:12:11.456Z'),
    isoToMicros('2021-03-03T17:12:12Z'), isoToMicros('2021-03-03T05:13:00.5Z'),
  ]);
  const failed = events[1];
  assert.equal(failed.source, 'oab-generator');
  assert.equal(failed.tsDesc, 'Logged');
  assert.equal(failed.host, 'EXCH01');
  assert.equal(failed.fields.TempFilePath, 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx');
  assert.equal(failed.fields.ContinuationLines, 2);
  assert.equal(failed.fields.Thread, 23);
  assert.equal(failed.fields.Level, 'Error');
  assert.ok(failed.message.startsWith("Download failed and temporary file 'C:\\inetpub"));
  assert.equal(events[2].fields.Level, null);
  assert.equal(failed.message.split('\n').length, 3);
  assert.ok(failed.message.endsWith('OABGenerator.Run()'));
  assert.equal(events[2].fields.TempFilePath, 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\a1b2.tmp');
  assert.equal(events[0].fields.TempFilePath, null);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].line, 1);
});

test('OABGenerator helpers: leading times and temp paths', () => {
  assert.equal(splitLeadingTime('12/31/2020 12:00:01 AM x')?.ts, isoToMicros('2020-12-31T00:00:01Z'));
  assert.equal(splitLeadingTime('no time here'), null);
  assert.equal(splitLeadingTime('2021-13-03T00:00:00Z bad month'), null);
  assert.equal(tempFilePathOf('Download failed and temporary file \\\\10.0.0.1\\share\\x.aspx needs to be removed'), '\\\\10.0.0.1\\share\\x.aspx');
});

test('bodyfile: one event per distinct second with MACB letters and mactime-style descriptions', async () => {
  const { events, warnings } = await collect(parseBodyfile, 'timeline/sample.body', sample('sample.body'), 50);
  assert.deepEqual(warnings, []);
  const shell = events.filter((e) => e.fields.name === 'C:/inetpub/wwwroot/aspnet_client/shell.aspx');
  assert.deepEqual(shell.map((e) => [e.fields.macb, e.tsDesc]), [
    ['...b', 'File Created'], ['ma..', 'File Modified/Accessed'], ['..c.', 'File Changed'],
  ]);
  assert.equal(shell[1].ts, 1614738000 * 1e6);
  assert.deepEqual(shell[0].fields, { macb: '...b', name: 'C:/inetpub/wwwroot/aspnet_client/shell.aspx', inode: '1234-128-1', mode: 'r/rrwxrwxrwx', uid: 0, gid: 0, size: 1024, md5: null });
  const dump = events.filter((e) => e.fields.name === 'C:/Windows/Temp/lsass.dmp');
  assert.deepEqual(dump.map((e) => e.fields.macb), ['.a.b', 'm.c.']);
  // the fractional atime (…000.5) groups with crtime (…000) by whole second, keeping the earlier micro time
  assert.equal(dump[0].ts, 1614800000 * 1e6);
  assert.equal(dump[0].fields.md5, '9e107d9d372bb6826bd81d3542a419d6');
  assert.equal(events.filter((e) => e.fields.name === 'C:/x/zero.txt').length, 0);
  assert.equal(events.length, 9);
});

test('bodyfile: a name containing | is rebuilt; malformed lines are warned', async () => {
  assert.deepEqual(splitBodyfileLine('0|C:/a|b.aspx|88|r/r|0|0|2|1|2|3|4'), ['0', 'C:/a|b.aspx', '88', 'r/r', '0', '0', '2', '1', '2', '3', '4']);
  assert.equal(splitBodyfileLine('0|too|few'), null);
  assert.equal(groupTimes(['0', 'n', '1', 'm', '0', '0', '1', 'x', '1', '1', '1']), null);
  const text = '0|C:/a|b.aspx|88|r/r|0|0|2|100|100|100|100\nnot a bodyfile line\n0|C:/c|1|r/r|0|0|1|abc|1|1|1\n';
  const { events, warnings } = await collect(parseBodyfile, 'x.body', Buffer.from(text), 8);
  assert.deepEqual(events.map((e) => [e.fields.name, e.fields.macb, e.tsDesc]), [['C:/a|b.aspx', 'macb', 'File Modified/Accessed/Changed/Created']]);
  assert.deepEqual(warnings.map((w) => w.line), [2, 3]);
});

const hasMactime = spawnSync('mactime', ['-V']).status === 0;

test('bodyfile output matches Debian mactime -d -y -z UTC: same (time, name) entries and MACB letters', { skip: !hasMactime && 'mactime (sleuthkit) not installed' }, async () => {
  const r = spawnSync('mactime', ['-b', sample('sample.body'), '-d', '-y', '-z', 'UTC'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').slice(1).map((l) => splitCsvLine(l)!);
  const fromMactime = rows.map(([date, , macb, , , , , name]) => `${isoToMicros(date) / 1e6}|${name}|${macb}`).sort();
  const { events } = await collect(parseBodyfile, 'sample.body', sample('sample.body'));
  const ours = events.map((e) => `${Math.floor(e.ts / 1e6)}|${e.fields.name}|${e.fields.macb}`).sort();
  assert.equal(ours.length, 9);
  assert.deepEqual(ours, fromMactime);
});
