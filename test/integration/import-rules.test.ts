import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The import directions of docs/architecture.md are biome.json's noRestrictedImports rules, and
 * `npm run lint` fails the build on a violation. This proves the rules bite: probe files placed in
 * each folder of a scratch copy of the project's layout, linted with the project's own biome.json,
 * must be flagged exactly on the forbidden lines. Runs the biome binary, hence not a unit test.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'fk-import-rules-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Folder of the probe → [import specifier, allowed?] */
const CASES: Record<string, Array<[string, boolean]>> = {
  'src/app/routes': [
    ['../../server/node-http.js', false],
    ['../../store/sqlite-store.js', false],
    ['../../session/redis-store.js', false],
    ['node:fs', false],
    ['../../session/session-store.js', true],
    ['../context.js', true],
  ],
  'src/bench': [
    ['../app/handler.js', false],
    ['../ladder/plan.js', false],
    ['../stages/registry.js', false],
    ['./histogram.js', true],
  ],
  'src/report': [
    ['../stages/registry.js', false],
    ['../ladder/diagnose.js', false],
    ['./format.js', true],
  ],
  'src/server': [
    ['../app/handler.js', false],
    ['../stages/registry.js', false],
    ['../daemons/supervisor.js', false],
    ['../app/index.js', true],
    ['../store/sqlite-store.js', true],
  ],
  'src/stages/probe': [
    ['../../app/cookies.js', false],
    ['../../ladder/plan.js', false],
    ['../../server/open-app.js', false],
    ['../../store/sqlite-store.js', false],
    ['../../store/db-target.js', true],
    ['../../app/index.js', true],
    ['../../server/app-process-spec.js', true],
    ['../../daemons/supervisor.js', true],
  ],
  'src/ladder': [
    ['../app/index.js', false],
    ['../server/open-app.js', false],
    ['../clients/redis/client.js', false],
    ['../stages/registry.js', true],
    ['../bench/index.js', true],
  ],
  'src/daemons': [
    ['../stages/stage.js', false],
    ['../store/seed.js', false],
    ['../proc/stat.js', true],
  ],
  'src/clients/probe': [
    ['../../daemons/supervisor.js', false],
    ['../net/pipelined-connection.js', true],
  ],
  'src/lab': [
    ['../stages/registry.js', false],
    ['../app/index.js', false],
    ['../daemons/prereq.js', true],
    ['../remote/remote.js', true],
  ],
  'src/remote': [
    ['../ladder/plan.js', false],
    ['../lab/host-spec.js', true],
  ],
  'src/capacity': [
    ['../bench/histogram.js', false],
    ['../server/open-app.js', false],
    ['../bench/index.js', true],
    ['../ladder/proc-sampler.js', true],
  ],
  'src/store': [
    ['../cli/io.js', false],
    ['./schema.js', true],
  ],
};

interface Diagnostic {
  category: string;
  location: { path: string; start: { line: number } };
}

test('biome.json forbids exactly the imports docs/architecture.md forbids, in every folder', () => {
  // The schema reference points into node_modules; the scratch copy has none.
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  writeFileSync(join(scratch, 'biome.json'), JSON.stringify(config));
  for (const [dir, imports] of Object.entries(CASES)) {
    const file = join(scratch, dir, 'probe.ts');
    mkdirSync(dirname(file), { recursive: true });
    const lines = imports.map(([spec], i) => `import * as m${i} from '${spec}';`);
    writeFileSync(
      file,
      `${lines.join('\n')}\nexport const all = [${imports.map((_, i) => `m${i}`).join(', ')}];\n`,
    );
  }
  const biome = join(root, 'node_modules', '.bin', 'biome');
  let out: string;
  try {
    out = execFileSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], {
      cwd: scratch,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (e) {
    out = (e as { stdout: string }).stdout; // exit 1: there are errors, as there must be
  }
  const diags = (JSON.parse(out) as { diagnostics: Diagnostic[] }).diagnostics.filter(
    (d) => d.category === 'lint/style/noRestrictedImports',
  );
  for (const [dir, imports] of Object.entries(CASES)) {
    const flagged = new Set(
      diags.filter((d) => d.location.path === join(dir, 'probe.ts')).map((d) => d.location.start.line),
    );
    for (const [i, [spec, allowed]] of imports.entries()) {
      assert.equal(
        flagged.has(i + 1),
        !allowed,
        `${dir}: import '${spec}' should be ${allowed ? 'allowed' : 'refused'}`,
      );
    }
  }
});
