// Files view globs follow the usual rules: `*` stays within one folder, `**` spans any depth including none.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { listFiles } from '../../../electron/case/read.ts';
import { upsertFile } from '../../../electron/case/write.ts';
import { tmpDir } from '../../helpers/tmp.ts';

test('**/aspnet_client/**/*.aspx finds a shell directly in aspnet_client; */ does not cross folders', (t) => {
  const db = openCaseDb(path.join(tmpDir(t), 'g.loupe'), { create: true });
  db.prepare("INSERT INTO evidence_sources (root, label, added_at) VALUES ('/ev', 'ev', 'now')").run();
  const rels = [
    'C/inetpub/wwwroot/aspnet_client/shell.aspx',
    'C/inetpub/wwwroot/aspnet_client/system_web/deep.aspx',
    'C/inetpub/wwwroot/aspnet_client/system_web/4_0_30319/deeper.ASPX',
    'C/inetpub/wwwroot/owa/auth/other.aspx',
    'C/inetpub/wwwroot/aspnet_client/readme.txt',
  ];
  for (const rel of rels) {
    upsertFile(db, { sourceId: 1, relPath: rel, origPath: rel.replace(/^C\//, 'C:\\').replace(/\//g, '\\'), size: 1, mtime: null, atime: null, ctime: null, btime: null, md5: null, sha1: null, sha256: null, kind: 'other', parser: null });
  }
  const names = (glob: string): string[] => listFiles(db, { glob }).rows.map((r) => path.posix.basename(r.relPath)).sort();
  assert.deepEqual(names('**/aspnet_client/**/*.aspx'), ['deep.aspx', 'deeper.ASPX', 'shell.aspx'], 'was missing shell.aspx');
  assert.deepEqual(names('**/aspnet_client/*.aspx'), ['shell.aspx'], 'matched subfolders before');
  assert.deepEqual(names('**/aspnet_client/*/*.aspx'), ['deep.aspx']);
  assert.deepEqual(names('C:\\inetpub\\wwwroot\\aspnet_client\\*.aspx'), ['shell.aspx'], 'a Windows path glob');
  assert.deepEqual(names('*.aspx'), ['deep.aspx', 'deeper.ASPX', 'other.aspx', 'shell.aspx'], 'a bare name pattern matches in any folder');
  assert.deepEqual(names('**/sh?ll.aspx'), ['shell.aspx']);
  assert.equal(listFiles(db, { glob: '**/aspnet_client/**/*.aspx' }).total, 3);
  db.close();
});
