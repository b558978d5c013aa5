import type { LinkRate } from './host-spec.js';

/**
 * Memory sizes as docker and cgroup users write them: 512M, 1G, 1.5G, 64Mi, or a bare number of
 * bytes. K/M/G/T are powers of 1024 (as docker's --memory and the kernel's memory.limit_in_bytes
 * parser read them); the `i` of Ki/Mi/Gi is accepted and means the same.
 */
const MEMORY_RE = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B?)?|B)?$/i;
const POWERS: Record<string, number> = { K: 1, M: 2, G: 3, T: 4 };

export function parseMemory(text: string): number | undefined {
  const m = MEMORY_RE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]?.toUpperCase();
  const bytes = Number(m[1]) * 1024 ** (unit === undefined ? 0 : POWERS[unit]!);
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}

export function formatMemory(bytes: number): string {
  for (const [unit, power] of [
    ['G', 3],
    ['M', 2],
    ['K', 1],
  ] as const) {
    const n = bytes / 1024 ** power;
    if (n >= 1) return `${Number.isInteger(n) ? n : n.toFixed(1)}${unit}`;
  }
  return `${bytes}B`;
}

/** tc(8) rate units in bits; `bps`, `kbps`… are BYTES per second to tc, so they are refused here. */
const RATE_RE = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/i;
const RATE_POWER: Record<string, number> = { bit: 0, kbit: 1, mbit: 2, gbit: 3 };

export function parseLinkRate(text: string): LinkRate | undefined {
  const m = RATE_RE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const bitsPerSecond = Math.round(Number(m[1]) * 1000 ** RATE_POWER[unit]!);
  if (!(bitsPerSecond > 0)) return undefined;
  return { bitsPerSecond, tc: `${bitsPerSecond}bit` };
}
