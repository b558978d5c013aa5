import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from '../daemons/prereq.js';
import { FkError } from '../errors.js';
import { hostsFromLabState } from '../remote/hosts.js';
import { runLocal } from '../remote/run-local.js';
import { sshExecArgv } from '../remote/ssh-argv.js';
import { createCgroupOps, detectCgroupLayout } from './cgroup.js';
import { applyCgroupOps } from './cgroup-fs.js';
import { type LabDownReport, labDown } from './down.js';
import { HOST_DIRS, type HostSpec } from './host-spec.js';
import { formatProblems, type Problem } from './hosts-file.js';
import { hostLaunchArgv, sshdArgv } from './launch-argv.js';
import { checkLabName, DEFAULT_LAB_PATHS, type LabPaths, labStateDir, MAX_LAB_HOSTS } from './naming.js';
import { bridgeUpArgv, hostNetArgv, routeListArgv } from './net-argv.js';
import { hostMountSteps, planLab, sshdDirInHost, sshdLogInHost } from './plan.js';
import { LAB_PREREQUISITES, TC_PREREQUISITE } from './prereq.js';
import { mustRun, mustRunAll } from './run-step.js';
import { renderKnownHosts, renderSshConfig, renderSshdConfig, SSHD_FILES } from './ssh-config.js';
import { type LabHostState, type LabState, readLabState, writeLabState } from './state.js';
import { processAlive } from './status.js';
import { pickSubnet, takenPrefixes } from './subnet.js';

/**
 * `lab up`: makes the hosts of a plan real, in parallel across hosts. On any failure it removes
 * what it made (labDown) and reports the failing command. Leftovers of an earlier crash under
 * the same name are removed first.
 */
export interface LabUpInput {
  name: string;
  hosts: HostSpec[];
  /** Saved as <stateDir>/hosts.yaml: the file to copy, edit and pass as --hosts. */
  hostsYaml: string;
  /** Label of the hosts file in errors, e.g. hosts.yaml. */
  label: string;
  paths?: LabPaths;
  log?: (line: string) => void;
}

export interface LabUpResult {
  state: LabState;
  ms: number;
  /** Milliseconds per phase, in order (cleanup, plan, keys, bridge, hosts, ssh check). */
  phases: Record<string, number>;
  cleaned: LabDownReport;
}

/** Problems of hosts that a lab cannot create (real machines, too many). */
export function labHostProblems(hosts: HostSpec[]): Problem[] {
  const problems: Problem[] = hosts
    .filter((h) => h.address !== undefined)
    .map((h) => ({
      line: h.line,
      message: `host "${h.name}" has an address: a lab creates only emulated hosts (real machines go straight to --hosts)`,
    }));
  if (hosts.length > MAX_LAB_HOSTS)
    problems.push({ line: 1, message: `a lab has at most ${MAX_LAB_HOSTS} hosts, got ${hosts.length}` });
  return problems;
}

export async function labUp(input: LabUpInput): Promise<LabUpResult> {
  const started = performance.now();
  const paths = input.paths ?? DEFAULT_LAB_PATHS;
  const log = input.log ?? (() => {});
  checkLabName(input.name);
  const problems = labHostProblems(input.hosts);
  if (problems.length > 0) throw new FkError('E_HOSTS_INVALID', formatProblems(input.label, problems));
  for (const p of LAB_PREREQUISITES) requireBinary(p);
  if (input.hosts.some((h) => h.link !== undefined)) requireBinary(TC_PREREQUISITE);
  const cgroupLayout = detectCgroupLayout(paths.cgroupRoot);
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };

  refuseRunningLab(input.name, paths);
  const cleaned = await labDown(input.name, paths);
  phase('cleanup');
  if (!cleaned.nothingToDo) log(`lab ${input.name}: removed leftovers of an earlier run`);
  const routes = await mustRun(routeListArgv(), 'listing routes');
  const subnet = pickSubnet(input.name, takenPrefixes(routes.stdout));
  const state = planLab({
    name: input.name,
    hosts: input.hosts,
    subnet,
    cgroupLayout,
    paths,
    createdAt: new Date().toISOString(),
  });
  try {
    prepareFolders(state);
    writeFileSync(join(state.stateDir, 'hosts.yaml'), input.hostsYaml);
    writeLabState(state);
    phase('plan');
    await writeKeysAndConfigs(state);
    phase('keys');
    await mustRunAll(bridgeUpArgv(state.bridge, `${state.gateway}/24`), 'creating the bridge');
    phase('bridge');
    await Promise.all(state.hosts.map((h) => startHost(state, h)));
    phase('hosts');
    state.status = 'up';
    writeLabState(state);
    await Promise.all(state.hosts.map((_, i) => checkSsh(state, i)));
    phase('sshCheck');
  } catch (e) {
    await labDown(input.name, paths).catch(() => undefined);
    throw e;
  }
  return { state, ms: performance.now() - started, phases, cleaned };
}

/**
 * A lab that is up and whole is never torn down by `lab up` (its hosts may hold data); only
 * leftovers — a half-made lab, a dead sshd, objects without a state file — are cleaned.
 */
function refuseRunningLab(name: string, paths: LabPaths): void {
  let state: LabState | undefined;
  try {
    state = readLabState(labStateDir(paths, name));
  } catch {
    return;
  }
  if (
    state?.status === 'up' &&
    state.hosts.every((h) => h.sshd.pid !== undefined && processAlive(h.sshd.pid))
  )
    throw new FkError(
      'E_LAB_EXISTS',
      `lab ${name} is already up (${state.hosts.length} hosts on ${state.subnet})`,
    );
}

function prepareFolders(state: LabState): void {
  mkdirSync(state.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(state.ssh.controlDir, { mode: 0o700 });
  // Mount points on the machine: each host mounts its own folders over them.
  for (const p of [HOST_DIRS.srv, HOST_DIRS.lib, HOST_DIRS.log, state.paths.hostSshdMount]) {
    if (existsSync(p)) continue;
    mkdirSync(p, { recursive: true, mode: 0o755 });
    state.mountPointsCreated.push(p);
  }
  // privsep dir sshd(8) insists on; Debian's service script would create it.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (const h of state.hosts) {
    for (const d of ['srv', 'lib', 'log'] as const)
      mkdirSync(h.dirsOnDisk[d], { recursive: true, mode: 0o755 });
    mkdirSync(h.dirsOnDisk.tmp, { recursive: true });
    // A /tmp: everyone may create, only owners delete (sticky), like the machine's.
    chmodSync(h.dirsOnDisk.tmp, 0o1777);
    mkdirSync(h.sshd.dir, { recursive: true, mode: 0o700 });
    mkdirSync(h.homeOnDisk, { recursive: true, mode: 0o700 });
  }
}

async function keygen(file: string, comment: string): Promise<string> {
  await mustRun(
    ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file],
    'generating a key',
  );
  return readFileSync(`${file}.pub`, 'utf8');
}

/** A client key per lab, a host key per host (ed25519: fast to make, short to check). */
async function writeKeysAndConfigs(state: LabState): Promise<void> {
  const [clientPub, ...hostPubs] = await Promise.all([
    keygen(state.ssh.identityFile, `flickr-killr-lab-${state.name}`),
    ...state.hosts.map((h) => keygen(h.sshd.hostKey, `${h.name}.${state.name}.lab`)),
  ]);
  for (const h of state.hosts) {
    writeFileSync(join(h.sshd.dir, SSHD_FILES.authorizedKeys), clientPub!, { mode: 0o600 });
    const config = renderSshdConfig({
      host: h.name,
      lab: state.name,
      address: h.address,
      dir: sshdDirInHost(state),
    });
    writeFileSync(h.sshd.config, config, { mode: 0o600 });
  }
  const known = state.hosts.map((h, i) => ({ address: h.address, port: 22, publicKey: hostPubs[i]! }));
  writeFileSync(state.ssh.knownHostsFile, renderKnownHosts(known), { mode: 0o600 });
  writeFileSync(state.ssh.configFile, renderSshConfig(state.name, hostsFromLabState(state)), { mode: 0o600 });
}

async function startHost(state: LabState, h: LabHostState): Promise<void> {
  const what = `host ${h.name}`;
  await mustRunAll(
    hostNetArgv({
      netns: h.netns,
      veth: h.veth,
      bridge: state.bridge,
      addressCidr: `${h.address}/24`,
      ...(h.link ? { link: h.link } : {}),
    }),
    `${what}: network`,
  );
  applyCgroupOps(createCgroupOps(state.cgroupLayout, h.cgroup, { cpu: h.cpu, memoryBytes: h.memoryBytes }));
  const sshd = requireBinary({ binary: 'sshd', debianPackage: 'openssh-server' });
  const launch = hostLaunchArgv({
    procsFiles: h.cgroupProcs,
    netns: h.netns,
    steps: hostMountSteps(state, h),
    command: sshdArgv(sshd, `${sshdDirInHost(state)}/${SSHD_FILES.config}`, sshdLogInHost()),
  });
  const sshdLog = () =>
    existsSync(h.sshd.log) ? readFileSync(h.sshd.log, 'utf8').trim().split('\n').slice(-2).join(' | ') : '';
  try {
    await mustRun(launch, `${what}: starting sshd`);
  } catch (e) {
    const tail = sshdLog();
    throw tail === '' ? e : new FkError('E_LAB_STEP_FAILED', `${(e as Error).message} (sshd log: ${tail})`);
  }
  h.sshd.pid = await waitForPidFile(
    h.sshd.pidFile,
    () => `${what}: sshd did not start (sshd log: ${sshdLog()})`,
  );
}

/**
 * sshd(8) forks into the background first, then listens, then writes its PidFile: the file's
 * appearance, not the launcher's exit, says it accepts connections.
 */
async function waitForPidFile(file: string, failure: () => string, timeoutMs = 5000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) return Number(text);
    if (Date.now() > until) throw new FkError('E_LAB_STEP_FAILED', failure());
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The lab is up when a command over ssh works on every host (keys, known_hosts, sshd in place). */
async function checkSsh(state: LabState, index: number): Promise<void> {
  const host = hostsFromLabState(state)[index]!;
  // No master here: lab up leaves behind only the hosts' own processes.
  const r = await runLocal(sshExecArgv(host, ['true'], { shareConnection: false }), { timeoutMs: 10_000 });
  if (r.code !== 0)
    throw new FkError(
      'E_LAB_STEP_FAILED',
      `host ${host.name}: ssh to ${host.address} failed (exit ${r.code}): ${r.stderr.trim().split('\n')[0] ?? ''}`,
    );
}
