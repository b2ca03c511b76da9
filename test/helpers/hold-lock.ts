// Holds a case's writer lock the way an index run does (and, with --writing, an open write transaction), prints
// "held", and waits to be killed. Usage: hold-lock.ts <case> [--writing]
import { openCaseDb } from '../../electron/case/db.ts';
import { WriterLock } from '../../electron/case/lock.ts';

const [casePath, flag] = process.argv.slice(2);
const lock = WriterLock.acquire(casePath);
if (flag === '--writing') {
  const db = openCaseDb(casePath);
  db.exec('BEGIN IMMEDIATE');
  db.prepare("INSERT INTO audit (at, user, action, details) VALUES ('2021-03-09T00:00:00Z', 'test', 'uncommitted', '{}')").run();
}
process.stdout.write('held\n');
setInterval(() => lock.file, 60_000);
