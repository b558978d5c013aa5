/**
 * The machine a report was measured on. Figures from a laptop and a 2-core VM are not comparable,
 * and the talk's own figures came from "a dual core machine" (2007): the report says what ours is.
 */
import { execFile } from 'node:child_process';
import { cpus, release, totalmem, type } from 'node:os';
import { findBinary } from '../daemons/prereq.js';
import type { MachineInfo } from '../report/report-types.js';

const PROBES: Array<{ name: string; binary: string; args: string[]; pattern: RegExp }> = [
  { name: 'nginx', binary: 'nginx', args: ['-v'], pattern: /nginx\/(\S+)/ },
  { name: 'memcached', binary: 'memcached', args: ['-V'], pattern: /memcached (\S+)/ },
  { name: 'redis', binary: 'redis-server', args: ['--version'], pattern: /v=(\S+)/ },
  { name: 'lighttpd', binary: 'lighttpd', args: ['-v'], pattern: /lighttpd\/(\S+)/ },
];

/** First line matching `pattern` in a tool's output (nginx -v writes to stderr). */
export function parseVersion(output: string, pattern: RegExp): string | undefined {
  return pattern.exec(output)?.[1];
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 3000 }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}

/** `nodeVersion` comes from the CLI (only src/cli/ reads the process). */
export async function machineInfo(nodeVersion: string): Promise<MachineInfo> {
  const versions: Record<string, string> = {};
  await Promise.all(
    PROBES.map(async (p) => {
      const bin = findBinary(p.binary);
      if (bin === undefined) {
        versions[p.name] = 'not installed';
        return;
      }
      versions[p.name] = parseVersion(await run(bin, p.args), p.pattern) ?? 'unknown';
    }),
  );
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    os: `${type()} ${release()}`,
    node: nodeVersion,
    versions,
    generatorSharesMachine: true,
  };
}
