import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FkError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { type Artifact, buildArtifact, MANIFEST } from './artifact.js';

const run = promisify(execFile);

/**
 * `deploy build --ref REF`: the artifact of a git commit, not of the working tree — `git archive`
 * of the commit into a temp dir, its dependencies, `tsc`, then the same content-hashed artifact.
 * Built once per commit: the commit → artifact id is kept in the cache (refs/<commit>). When the
 * commit's package-lock.json equals the working tree's, its node_modules are copied from here
 * (same packages, and no native rebuild of better-sqlite3, ~1 min); otherwise `npm ci`.
 */
export async function buildRef(o: {
  ref: string;
  cacheDir: string;
  /** node on this machine, to run tsc (the CLI's process.execPath). */
  node: string;
  root?: string;
  log?: (l: string) => void;
}): Promise<Artifact> {
  const root = o.root ?? PACKAGE_ROOT;
  const log = o.log ?? (() => {});
  const git = (args: string[], cwd = root) =>
    run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  let commit: string;
  try {
    commit = (await git(['rev-parse', '--verify', `${o.ref}^{commit}`])).stdout.trim();
  } catch {
    throw new FkError('E_USAGE', `--ref ${o.ref}: not a commit of the repository at ${root}`);
  }
  const refFile = join(o.cacheDir, 'refs', commit);
  if (existsSync(refFile)) {
    const id = readFileSync(refFile, 'utf8').trim();
    if (existsSync(join(o.cacheDir, id, MANIFEST))) {
      const a = await buildArtifact({ root: join(o.cacheDir, id), cacheDir: o.cacheDir }).catch(
        () => undefined,
      );
      if (a !== undefined && a.id === id) return a;
    }
  }
  const tmp = mkdtempSync(join(o.cacheDir, '..', `ref-${commit.slice(0, 12)}-`));
  try {
    log(`deploy: building ${o.ref} (${commit.slice(0, 12)}) in ${tmp}`);
    await run('sh', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3"`, 'sh', root, commit, tmp], {
      timeout: 120_000,
    });
    const lock = (d: string) =>
      existsSync(join(d, 'package-lock.json')) ? readFileSync(join(d, 'package-lock.json'), 'utf8') : '';
    if (lock(tmp) !== '' && lock(tmp) === lock(root) && existsSync(join(root, 'node_modules'))) {
      cpSync(join(root, 'node_modules'), join(tmp, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      });
    } else
      await run('npm', ['ci', '--no-audit', '--no-fund'], {
        cwd: tmp,
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    await run(o.node, [join(tmp, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: tmp,
      timeout: 300_000,
    });
    const a = await buildArtifact({ root: tmp, cacheDir: o.cacheDir });
    mkdirSync(join(o.cacheDir, 'refs'), { recursive: true });
    writeFileSync(refFile, `${a.id}\n`);
    return a;
  } catch (e) {
    if (e instanceof FkError) throw e;
    throw new FkError(
      'E_PREREQ_MISSING',
      `building ${o.ref} failed: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
