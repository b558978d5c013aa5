import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderLighttpdConf } from '../../src/stages/cgi/lighttpd-conf.js';
import { requireServer } from '../helpers/prereq.js';

const PARAMS = {
  host: '127.0.0.1',
  port: 8101,
  nodePath: '/usr/bin/node',
};

// The golden file (test/unit/stages/lighttpd-conf.test.ts) pins what we render; this pins that the
// real lighttpd accepts it.
test('lighttpd itself accepts the conf without warnings (lighttpd -tt)', (t) => {
  const bin = requireServer(t, 'lighttpd', 'lighttpd');
  if (bin === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'fk-lighttpd-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'upload'));
  mkdirSync(join(dir, 'static'));
  const conf = join(dir, 'lighttpd.conf');
  writeFileSync(
    conf,
    renderLighttpdConf({
      ...PARAMS,
      runDir: dir,
      scriptPath: join(dir, 'cgi-script.js'),
      db: join(dir, 'fk.db'),
      staticRoot: join(dir, 'static'),
    }),
  );
  const r = spawnSync(bin, ['-tt', '-f', conf], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // lighttpd writes config warnings (unknown keys) to server.errorlog, not to stderr
  const errorLog = join(dir, 'lighttpd-error.log');
  const logged = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
  assert.doesNotMatch(`${r.stdout}${r.stderr}${logged}`, /WARNING|ERROR/i);
});
