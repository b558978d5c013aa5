import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { FkError, isFkError } from '../errors.js';
import { defaultLabHosts, renderHostsYaml } from '../lab/default-hosts.js';
import { labDown } from '../lab/down.js';
import { formatProblems, parseHostsFile } from '../lab/hosts-file.js';
import { checkLabName, DEFAULT_LAB_NAME } from '../lab/naming.js';
import { labStatus, renderLabStatus } from '../lab/status.js';
import { formatMemory } from '../lab/units.js';
import { labHostProblems, labUp } from '../lab/up.js';
import { hostsFromLabState, readRunningLab } from '../remote/hosts.js';
import type { RemoteHost } from '../remote/remote-host.js';
import { SYSTEM_PATH } from '../remote/run-local.js';
import { sshInteractiveArgv } from '../remote/ssh-argv.js';
import { connect, sshEnv } from '../remote/ssh-remote.js';
import { durationOption, intOption, parse } from './args.js';
import type { Command, Io } from './io.js';
import { formatError } from './run.js';

const USAGE = `flickr-killr lab up [--hosts FILE | --app-hosts N] [--name NAME]
flickr-killr lab down [--name NAME]
flickr-killr lab status [--name NAME] [--json]
flickr-killr lab ssh HOST [--name NAME] [-- CMD...]
flickr-killr lab exec HOST [--name NAME] [--timeout 60s] -- CMD...

Emulated hosts on this machine, reached only over SSH (docs/lab.md): each has its own network
namespace on one bridge, cgroup (CPU quota, memory limit), mount namespace (/srv,
/var/lib/flickr-killr, /var/log/flickr-killr, /tmp of its own), hostname and sshd. Needs root.
  up        --hosts FILE (a hosts file), or the default lab: 1 lb, N app hosts (--app-hosts,
            default 2), cache, sessions, db. Removes leftovers of a crashed lab of that name first.
  down      removes everything the lab made; a second down has nothing to do.
  status    hosts, addresses, roles, CPU used vs quota, memory, processes, throttling.
  ssh       an interactive ssh to the host (or CMD as ssh runs it).
  exec      runs CMD on the host (one argument each), prints its output, exits with its code.
NAME defaults to '${DEFAULT_LAB_NAME}': 1-8 lower-case letters and digits.`;

/** Splits `HOST --name x -- cmd args` at the first `--`: the command is never parsed as options. */
function splitCommand(args: string[]): { own: string[]; command: string[] } {
  const i = args.indexOf('--');
  return i < 0 ? { own: args, command: [] } : { own: args.slice(0, i), command: args.slice(i + 1) };
}

async function up(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    hosts: { type: 'string' },
    'app-hosts': { type: 'string' },
    name: { type: 'string' },
  });
  const name = checkLabName(values.name ?? DEFAULT_LAB_NAME);
  if (values.hosts !== undefined && values['app-hosts'] !== undefined)
    throw new FkError('E_USAGE', 'lab up takes --hosts FILE or --app-hosts N, not both');
  let hosts: ReturnType<typeof defaultLabHosts>;
  let hostsYaml: string;
  let label = 'hosts.yaml';
  if (values.hosts !== undefined) {
    const file = resolve(io.cwd, values.hosts);
    try {
      hostsYaml = readFileSync(file, 'utf8');
    } catch (e) {
      throw new FkError(
        'E_HOSTS_INVALID',
        `cannot read hosts file ${file}: ${(e as NodeJS.ErrnoException).code}`,
      );
    }
    label = basename(file);
    hosts = parseHostsFile(hostsYaml, label, dirname(file));
  } else {
    hosts = defaultLabHosts(intOption(values['app-hosts'], 'app-hosts', 1, 20) ?? 2);
    hostsYaml = renderHostsYaml(hosts);
  }
  // Before the root check, so that anyone learns what is wrong with the file.
  const problems = labHostProblems(hosts);
  if (problems.length > 0) throw new FkError('E_HOSTS_INVALID', formatProblems(label, problems));
  requireRoot();
  const r = await labUp({ name, hosts, hostsYaml, label, log: (l) => io.stderr(`${l}\n`) });
  const s = r.state;
  const rows = s.hosts.map((h) => [
    h.name,
    h.address,
    h.roles.join(','),
    String(h.cpu),
    formatMemory(h.memoryBytes),
  ]);
  io.stdout(
    [
      `lab ${name} up in ${(r.ms / 1000).toFixed(2)} s: ${s.hosts.length} hosts on ${s.subnet} (this machine is ${s.gateway} on bridge ${s.bridge})`,
      table(['host', 'address', 'roles', 'cpu', 'memory'], rows),
      `ssh -F ${s.ssh.configFile} HOST   (or: flickr-killr lab ssh HOST --name ${name})`,
      `hosts file: ${s.stateDir}/hosts.yaml`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function down(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { name: { type: 'string' } });
  const name = checkLabName(values.name ?? DEFAULT_LAB_NAME);
  requireRoot();
  const r = await labDown(name);
  if (r.nothingToDo)
    io.stdout(`lab ${name}: nothing to do (no namespace, link, cgroup or folder of it left)\n`);
  else
    io.stdout(
      `lab ${name} down in ${(r.ms / 1000).toFixed(2)} s: killed ${r.killed.length} processes; removed ${r.netns.length} network namespaces, ${r.links.length} links, ${r.cgroups.length} cgroups, ${r.dirs.length} folders\n`,
    );
  return 0;
}

async function status(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { name: { type: 'string' }, json: { type: 'boolean' } });
  const name = checkLabName(values.name ?? DEFAULT_LAB_NAME);
  requireRoot();
  const s = await labStatus(readRunningLab(name));
  io.stdout(values.json ? `${JSON.stringify(s, null, 2)}\n` : renderLabStatus(s));
  return 0;
}

function hostOf(name: string, hostName: string | undefined): RemoteHost {
  const hosts = hostsFromLabState(readRunningLab(name));
  if (hostName === undefined)
    throw new FkError('E_USAGE', `name a host: ${hosts.map((h) => h.name).join(', ')}`);
  const host = hosts.find((h) => h.name === hostName);
  if (!host)
    throw new FkError(
      'E_LAB_NOT_FOUND',
      `lab ${name} has no host '${hostName}' (hosts: ${hosts.map((h) => h.name).join(', ')})`,
    );
  return host;
}

async function ssh(args: string[], io: Io): Promise<number> {
  const { own, command } = splitCommand(args);
  const { values, positionals } = parse(own, { name: { type: 'string' } }, true);
  if (positionals.length > 1)
    throw new FkError('E_USAGE', 'lab ssh takes one HOST; put the command after --');
  const name = checkLabName(values.name ?? DEFAULT_LAB_NAME);
  requireRoot();
  const host = hostOf(name, positionals[0]);
  const argv = sshInteractiveArgv(host, command, command.length === 0 && process.stdin.isTTY === true);
  return await new Promise<number>((res) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: 'inherit',
      env: { ...sshEnv(io.env), PATH: SYSTEM_PATH },
    });
    child.on('error', (e) => {
      io.stderr(
        formatError(new FkError('E_PREREQ_MISSING', `ssh: ${e.message}: apt-get install openssh-client`)),
      );
      res(1);
    });
    child.on('close', (code) => res(code ?? 1));
  });
}

async function exec(args: string[], io: Io): Promise<number> {
  const { own, command } = splitCommand(args);
  const { values, positionals } = parse(own, { name: { type: 'string' }, timeout: { type: 'string' } }, true);
  if (positionals.length > 1 || command.length === 0)
    throw new FkError('E_USAGE', 'lab exec takes one HOST, then -- and the command');
  const name = checkLabName(values.name ?? DEFAULT_LAB_NAME);
  const timeoutMs = durationOption(values.timeout, 'timeout') ?? 60_000;
  requireRoot();
  const remote = connect(hostOf(name, positionals[0]), io.env);
  const r = await remote.exec(command, { timeoutMs });
  io.stdout(r.stdout);
  io.stderr(r.stderr);
  return r.code;
}

function requireRoot(): void {
  const uid = process.getuid?.();
  if (uid !== 0) throw new FkError('E_LAB_ROOT', `the lab needs root (running as uid ${uid ?? 'unknown'})`);
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((_, c) => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((x, c) => x.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const SUBCOMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  up,
  down,
  status,
  ssh,
  exec,
};

async function run(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  const f = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!f) throw new FkError('E_USAGE', `lab takes one of: ${Object.keys(SUBCOMMANDS).join(', ')}`);
  try {
    return await f(rest, io);
  } catch (e) {
    // Not root is a usage-class error (exit 2), like E_USAGE; runCli gives 1 to everything else.
    if (isFkError(e) && e.code === 'E_LAB_ROOT') {
      io.stderr(formatError(e));
      return 2;
    }
    throw e;
  }
}

export const command: Command = { usage: USAGE, run };
