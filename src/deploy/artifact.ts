import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { FkError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { Remote } from '../remote/remote.js';
import { quoteArg } from '../remote/shell-quote.js';

/**
 * The app as an immutable, content-addressed artifact (the talk's last slide: "manage deployment
 * from one machine"; Velociraptor's build, Kamal's image): the compiled dist/, package.json, the
 * site's static/ and the PRODUCTION node_modules only, as `npm ls --omit=dev --all --parseable`
 * lists them. Its id is the hash of its manifest (one `sha256  path` line per file, sorted), so the
 * same tree always has the same id and any change makes a new one. Built from the working tree,
 * kept in a local cache by id, shipped to a host's /srv/flickr-killr/releases/<id>/ and checked
 * there against the manifest before it is used.
 *
 * Native code: better-sqlite3's module is compiled for this machine (Node's ABI, glibc, CPU). The
 * lab's hosts share this machine's binaries, so it loads there; the fleet's app processes use
 * PostgreSQL and never load it at all. Real machines that would open SQLite need the same Node
 * major version, libc and architecture (or a rebuild on the target: the deploy tool's job).
 */
export const MANIFEST = 'MANIFEST.sha256';
/** Written on the host after the manifest checked out; its presence means "this release is whole". */
export const VERIFIED = '.fk-verified';
const ID_LENGTH = 16;

export interface Artifact {
  /** 16 hex digits of the manifest's sha256. */
  id: string;
  /** The artifact's files in the local cache (with MANIFEST.sha256). */
  dir: string;
  manifest: string;
  files: number;
  bytes: number;
  /** False when the cache already held this id. */
  built: boolean;
}

export interface BuildOptions {
  /** The working tree (default: this package's root). */
  root?: string;
  /** The local cache (default ~/.cache/flickr-killr/artifacts). */
  cacheDir?: string;
  /** Artifacts kept in the cache besides the one built (oldest removed first). */
  keep?: number;
}

export const defaultCacheDir = () => join(homedir(), '.cache', 'flickr-killr', 'artifacts');

/** Folders of production packages from `npm ls --parseable` (the first line is the project itself). */
export function parseNpmLsParseable(text: string, root: string): string[] {
  const dirs = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== root)
    .map((l) => relative(root, l))
    .filter((r) => r.startsWith(`node_modules${sep}`) && !r.includes('..'));
  // A nested package is inside its parent's folder, which is copied whole.
  return [...new Set(dirs)].sort().filter((d, _, all) => !all.some((p) => p !== d && d.startsWith(p + sep)));
}

/** The artifact's top-level entries, relative to the root. */
export function artifactRoots(packages: readonly string[]): string[] {
  return ['dist', 'package.json', 'static', ...packages];
}

/** Skipped inside the roots: tsc's incremental state changes on every build and is not code. */
const SKIP = new Set(['.tsbuildinfo', MANIFEST, VERIFIED]);

export interface ManifestEntry {
  path: string;
  sha256: string;
  bytes: number;
}

/** `sha256sum -c` format, sorted by path (byte order), so the manifest — and the id — is canonical. */
export function manifestText(entries: readonly ManifestEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted)
    if (/[\n\\]/.test(e.path))
      throw new FkError('E_INTERNAL', `artifact: unsupported file name ${JSON.stringify(e.path)}`);
  return sorted.map((e) => `${e.sha256}  ${e.path}\n`).join('');
}

export function artifactId(manifest: string): string {
  return createHash('sha256').update(manifest).digest('hex').slice(0, ID_LENGTH);
}

/** Every regular file under the roots (symbolic links followed, as the copy follows them). */
export function hashTree(root: string, roots: readonly string[]): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const walk = (rel: string) => {
    const abs = join(root, rel);
    const st = statSync(abs);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs)) if (!SKIP.has(name)) walk(join(rel, name));
    } else if (st.isFile()) {
      const data = readFileSync(abs);
      out.push({
        path: rel.split(sep).join('/'),
        sha256: createHash('sha256').update(data).digest('hex'),
        bytes: data.length,
      });
    }
  };
  for (const r of roots) if (existsSync(join(root, r))) walk(r);
  return out;
}

const run = promisify(execFile);

async function productionPackages(root: string): Promise<string[]> {
  try {
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 60_000,
    });
    return parseNpmLsParseable(stdout, root);
  } catch (e) {
    throw new FkError(
      'E_PREREQ_MISSING',
      `npm ls --omit=dev in ${root} failed: ${(e as Error).message.split('\n')[0]}`,
      {
        hint: 'The artifact needs npm and an installed node_modules: run `npm install` in the project.',
      },
    );
  }
}

/**
 * The artifact of the working tree at `root`, from the cache when its id is there. The tree is
 * hashed in place; a new id is copied into the cache and hashed again there, so the cached files
 * are exactly what their manifest says even if the tree changed during the copy.
 */
export async function buildArtifact(o: BuildOptions = {}): Promise<Artifact> {
  const root = o.root ?? PACKAGE_ROOT;
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  if (!existsSync(join(root, 'dist', 'cli', 'main.js')))
    throw new FkError('E_USAGE', `${join(root, 'dist')} is not built`, {
      hint: 'Run `npm run build` first.',
    });
  const roots = artifactRoots(await productionPackages(root));
  const entries = hashTree(root, roots);
  let manifest = manifestText(entries);
  let id = artifactId(manifest);
  const cached = join(cacheDir, id);
  if (existsSync(join(cached, MANIFEST))) return describe(cached, id, manifest, entries, false);
  mkdirSync(cacheDir, { recursive: true });
  const tmp = join(cacheDir, `.tmp-${id}-${randomBytes(4).toString('hex')}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const r of roots)
      if (existsSync(join(root, r)))
        cpSync(join(root, r), join(tmp, r), {
          recursive: true,
          dereference: true,
          filter: (src) => !SKIP.has(src.split(sep).at(-1)!),
        });
    const copied = hashTree(tmp, roots);
    manifest = manifestText(copied);
    id = artifactId(manifest);
    writeFileSync(join(tmp, MANIFEST), manifest);
    const final = join(cacheDir, id);
    if (existsSync(join(final, MANIFEST))) rmSync(tmp, { recursive: true, force: true });
    else {
      rmSync(final, { recursive: true, force: true });
      renameSync(tmp, final);
    }
    prune(cacheDir, id, o.keep ?? 3);
    return describe(final, id, manifest, copied, true);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function describe(
  dir: string,
  id: string,
  manifest: string,
  entries: ManifestEntry[],
  built: boolean,
): Artifact {
  return { id, dir, manifest, files: entries.length, bytes: entries.reduce((a, e) => a + e.bytes, 0), built };
}

/** The newest `keep` artifacts besides `current` stay; each is tens of MB (node_modules). */
function prune(cacheDir: string, current: string, keep: number): void {
  const others = readdirSync(cacheDir)
    .filter((n) => n !== current && /^[0-9a-f]{16}$/.test(n))
    .map((n) => ({ n, t: lstatSync(join(cacheDir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of others.slice(keep)) rmSync(join(cacheDir, n), { recursive: true, force: true });
}

/** A release folder on a host: /srv/flickr-killr/releases/<id>. */
export const releasePath = (releases: string, id: string) => `${releases}/${id}`;

export interface ShipResult {
  shipped: boolean;
  method?: 'rsync' | 'scp';
  ms: number;
}

/**
 * Before the copy: nothing to do when the folder is there and verified (prints `have`); else an
 * empty `<dir>.incoming` is made ready (a partial copy of an interrupted run is discarded, since
 * scp would nest into an existing folder where rsync would merge).
 */
export function shipCheckScript(remoteDir: string, id: string): string {
  const inc = `${remoteDir}.incoming`;
  return [
    'set -e',
    `if [ "$(cat ${quoteArg(`${remoteDir}/${VERIFIED}`)} 2>/dev/null)" = ${quoteArg(id)} ]; then echo have; exit 0; fi`,
    `rm -rf ${quoteArg(inc)}`,
    `mkdir -p "$(dirname ${quoteArg(inc)})"`,
    'echo need',
    '',
  ].join('\n');
}

/**
 * After the copy: every file checked against the manifest (given on stdin, so it need not be a
 * file of the tree), then marked verified and moved into place in one rename.
 */
export function shipVerifyArgv(remoteDir: string, id: string): string[] {
  const script = [
    'set -e',
    'inc=$1.incoming',
    'cd "$inc"',
    'sha256sum --quiet --strict -c - >&2',
    'printf %s "$2" > "$inc/$3"',
    'cd /',
    'rm -rf "$1"',
    'mv "$inc" "$1"',
  ].join('; ');
  return ['sh', '-c', script, 'fk-verify', remoteDir, id, VERIFIED];
}

/**
 * Copies a local tree to `remoteDir` on the host unless it is already there with this id, and
 * checks every file's hash on arrival. Used for releases (artifact.dir → releases/<id>) and for
 * the app hosts' static root.
 */
export async function shipTree(
  remote: Remote,
  o: { localDir: string; remoteDir: string; id: string; manifest: string },
): Promise<ShipResult> {
  const t0 = performance.now();
  const check = await remote.exec(['sh', '-s'], {
    input: shipCheckScript(o.remoteDir, o.id),
    timeoutMs: 30_000,
  });
  if (check.code !== 0)
    throw new FkError(
      'E_REMOTE_COMMAND',
      `${remote.host.name}: preparing ${o.remoteDir} failed: ${check.stderr.trim()}`,
    );
  if (check.stdout.trim() === 'have') return { shipped: false, ms: performance.now() - t0 };
  const { method } = await remote.copy(`${o.localDir}/`, `${o.remoteDir}.incoming`);
  const verify = await remote.exec(shipVerifyArgv(o.remoteDir, o.id), {
    input: o.manifest,
    timeoutMs: 120_000,
  });
  if (verify.code !== 0)
    throw new FkError(
      'E_REMOTE_COPY',
      `${remote.host.name}: ${o.remoteDir} does not match its manifest after the copy: ${verify.stderr.trim().split('\n').slice(0, 5).join(' | ')}`,
    );
  return { shipped: true, method, ms: performance.now() - t0 };
}

/** The artifact to /srv/flickr-killr/releases/<id>/ on the host (skipped when already there). */
export function shipArtifact(remote: Remote, a: Artifact, releases: string): Promise<ShipResult> {
  return shipTree(remote, {
    localDir: a.dir,
    remoteDir: releasePath(releases, a.id),
    id: a.id,
    manifest: a.manifest,
  });
}
