import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nginxTestArgs } from '../../src/daemons/nginx.js';
import { renderNginxConf } from '../../src/stages/common/nginx-conf.js';
import { NGINX_SITES } from '../helpers/nginx-sites.js';
import { requireServer } from '../helpers/prereq.js';

// The golden files (test/unit/stages/nginx-conf.test.ts) pin what we render; this pins that the
// real nginx accepts it, as root (user root) and otherwise.
test('every nginx site the stages render passes `nginx -t`', (t) => {
  const bin = requireServer(t, 'nginx', 'nginx');
  if (bin === undefined) return;
  for (const site of NGINX_SITES) {
    const dir = mkdtempSync(join(tmpdir(), `fk-conf-${site.variant}-`));
    try {
      mkdirSync(join(dir, 'static'));
      const spec = {
        runDir: dir,
        listenHost: '127.0.0.1',
        listenPort: 8080,
        appPorts: site.app ? [9001, 9002] : [],
        memcachedServers: ['127.0.0.1:11311'],
        staticRoot: join(dir, 'static'),
        workerProcesses: 1,
        ...(process.getuid?.() === 0 ? { user: 'root' } : {}),
      };
      writeFileSync(join(dir, 'nginx.conf'), renderNginxConf(site, spec));
      execFileSync(bin, nginxTestArgs(dir), { stdio: 'pipe' });
    } catch (e) {
      const err = e as { stderr?: Buffer };
      assert.fail(`nginx -t rejected ${site.variant}: ${err.stderr?.toString() ?? String(e)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
