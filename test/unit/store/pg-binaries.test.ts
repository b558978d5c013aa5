import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import { findPostgresBinDir, postgresOsUser, wrapAsUser } from '../../../src/store/postgres/pg-binaries.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-pgbin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fakeInstall(root: string, version: string): string {
  const bin = join(root, version, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const b of ['postgres', 'initdb']) {
    writeFileSync(join(bin, b), '#!/bin/sh\n');
    chmodSync(join(bin, b), 0o755);
  }
  return bin;
}

test('findPostgresBinDir: the data directory’s major version when installed, else the newest', () => {
  const root = join(dir, 'usr-lib-postgresql');
  const v13 = fakeInstall(root, '13');
  const v15 = fakeInstall(root, '15');
  mkdirSync(join(root, 'not-a-version'));
  assert.equal(findPostgresBinDir(undefined, root), v15);
  assert.equal(findPostgresBinDir('13', root), v13);
  assert.equal(findPostgresBinDir('15', root), v15);
  assert.equal(
    findPostgresBinDir('14', root),
    v15,
    'a version not installed: the newest (postgres then says why)',
  );
});

test('postgresOsUser: only as root; from passwd; E_PREREQ_MISSING naming the package when absent', () => {
  const passwd = join(dir, 'passwd');
  writeFileSync(
    passwd,
    'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/bash\n',
  );
  assert.equal(postgresOsUser(passwd, 1000), undefined);
  assert.deepEqual(postgresOsUser(passwd, 0), { name: 'postgres', uid: 101, gid: 104 });
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\n');
  assert.throws(
    () => postgresOsUser(passwd, 0),
    (e: unknown) =>
      isFkError(e) && e.code === 'E_PREREQ_MISSING' && /apt-get install postgresql/.test(e.message),
  );
});

test('wrapAsUser: argv for setpriv, which execs (the PID stays the postmaster’s)', () => {
  assert.deepEqual(wrapAsUser(undefined, '/pg/bin/postgres', ['-D', '/d']), {
    command: '/pg/bin/postgres',
    args: ['-D', '/d'],
  });
  const w = wrapAsUser({ name: 'postgres', uid: 101, gid: 104 }, '/pg/bin/postgres', ['-D', '/d']);
  assert.match(w.command, /\/setpriv$/);
  assert.deepEqual(w.args, [
    '--reuid',
    '101',
    '--regid',
    '104',
    '--init-groups',
    '--',
    '/pg/bin/postgres',
    '-D',
    '/d',
  ]);
});
