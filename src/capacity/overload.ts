/**
 * Past capacity: offered load from 0.5× to 3× the sustainable rate, open loop (the arrivals do not
 * slow down because the site did — users keep coming, and reloading), with goodput, latency and
 * errors per step. Without protection the stack queues: every page view gets slower, and goodput
 * (page views within the SLO) falls toward zero though the stack is busier than ever. With
 * --protect the excess is answered with fast 503s and the admitted page views stay within the SLO.
 */
import type { OverloadCurve, ProbeRecord } from '../report/capacity-types.js';
import type { ProtectLimits } from '../stages/stage.js';
import type { CapacityTarget, RunningTarget } from './target.js';

export const DEFAULT_MULTIPLIERS: readonly number[] = [0.5, 1, 1.5, 2, 2.5, 3];

export interface OverloadInput {
  target: CapacityTarget;
  size: number;
  baseRate: number;
  multipliers: readonly number[];
  protect?: ProtectLimits;
  probe: (running: RunningTarget, rate: number) => Promise<Omit<ProbeRecord, 'n' | 'phase'>>;
  prime: (running: RunningTarget) => Promise<unknown>;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export async function runOverload(i: OverloadInput): Promise<OverloadCurve> {
  const steps: OverloadCurve['steps'] = [];
  const label = i.protect ? `overload, --protect ${i.protect.maxInFlight}` : 'overload, unprotected';
  const running = await i.target.start(i.size, i.protect ? { protect: i.protect } : {});
  try {
    await i.prime(running);
    for (const multiplier of i.multipliers) {
      if (i.signal?.aborted) break;
      const rate = Math.max(1, Math.round(i.baseRate * multiplier));
      const r = await i.probe(running, rate);
      if (i.signal?.aborted) break; // cut short by Ctrl-C: not a measurement of this step
      const step = { n: steps.length + 1, phase: 'overload' as const, ...r, multiplier };
      steps.push(step);
      i.log(overloadLine(label, step));
    }
  } finally {
    await running.stop();
  }
  return {
    protect: i.protect !== undefined,
    maxInFlight: i.protect?.maxInFlight ?? null,
    size: i.size,
    baseRate: i.baseRate,
    steps,
  };
}

export function overloadLine(label: string, s: ProbeRecord & { multiplier: number }): string {
  return (
    `${label}: ${s.multiplier}× = ${s.offeredRate}/s offered → goodput ${Math.round(s.goodput)}/s, ` +
    `${Math.round(s.achievedRate)}/s done, p99 ${(s.latencyUs.p99 / 1000).toFixed(1)} ms, ` +
    `errors ${s.errorsPct} % (${s.status503} × 503)`
  );
}

/** Goodput at the highest offered step as a share of the base rate: "stays near capacity" is ≥ ~0.8. */
export function goodputKept(c: OverloadCurve): number | null {
  const last = c.steps[c.steps.length - 1];
  if (last === undefined || c.baseRate <= 0) return null;
  return Math.round((last.goodput / c.baseRate) * 1000) / 1000;
}
