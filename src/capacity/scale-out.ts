/**
 * The scale-out curve: the sustainable rate at sizes 1, 2, 4, … against the ideal line (N × size
 * 1), until a shared part saturates, the generator does, or a larger size stops paying. Each size
 * is the target started at it (a local stage: afresh; a fleet: grown by `deploy hosts add`),
 * primed, then searched (search.ts); size N's search starts at
 * size N−1's sustainable rate, so it ramps once (to about 2×) instead of from the bottom.
 */
import type { ProbeRecord, ScalePoint, SearchOutcome } from '../report/capacity-types.js';
import { type SearchDeps, type SearchParams, searchSustainable } from './search.js';
import { type CapacityTarget, hostUsages, partLabel, type RunningTarget, saturatedShared } from './target.js';

/** A size that adds less than this over the previous one is not worth a next size. */
const MIN_GAIN = 1.1;

export interface ScaleOutInput {
  target: CapacityTarget;
  sizes: number[];
  search: SearchParams;
  probe: (running: RunningTarget, rate: number) => Promise<Omit<ProbeRecord, 'n' | 'phase'>>;
  prime: (running: RunningTarget) => Promise<unknown>;
  deps: SearchDeps;
}

/** 1, 2, 4, … up to `max` (and `max` itself when it is not a power of two). */
export function doublingSizes(max: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= max; n *= 2) out.push(n);
  if (out[out.length - 1] !== max && max >= 1) out.push(max);
  return out;
}

/** The probe that set a search's sustainable rate. */
export function sustainableProbe(s: SearchOutcome): ProbeRecord | undefined {
  return s.probes.find((p) => p.verdict === 'pass' && p.offeredRate === s.sustainableRate);
}

export async function runScaleOut(i: ScaleOutInput): Promise<{ points: ScalePoint[]; stopReason: string }> {
  const points: ScalePoint[] = [];
  const unit = i.target.info.sizeUnit;
  for (const size of i.sizes) {
    if (i.deps.signal?.aborted) return { points, stopReason: 'interrupted' };
    const prev = points[points.length - 1];
    const running = await i.target.start(size, {});
    let search: SearchOutcome;
    try {
      await i.prime(running);
      const startRate =
        prev && prev.search.sustainableRate > 0 ? prev.search.sustainableRate : i.search.startRate;
      search = await searchSustainable(
        (rate) => i.probe(running, rate),
        { ...i.search, startRate },
        {
          ...i.deps,
          label: `size ${size}`,
        },
      );
    } finally {
      await running.stop();
    }
    const base = points[0]?.search.sustainableRate ?? search.sustainableRate;
    const rate = search.sustainableRate;
    const parts = sustainableProbe(search)?.parts ?? [];
    const saturated = saturatedShared(parts);
    const fleet = i.target.info.kind === 'fleet';
    const point: ScalePoint = {
      size,
      search,
      parts,
      saturated,
      ...(fleet ? { cpu: { hosts: hostUsages(parts) } } : {}),
      ideal: base * size,
      efficiency: size === 1 || base === 0 ? null : Math.round((rate / (base * size)) * 1000) / 1000,
    };
    points.push(point);
    i.deps.log(
      `size ${size} (${unit}): sustainable ${rate}/s` +
        (search.upperRate === null ? '' : `, ${search.upperRate}/s did not pass`) +
        ` — ${search.probes.length} probes in ${search.elapsedS.toFixed(0)} s` +
        (saturated.length > 0 ? `; saturated: ${named(saturated)}` : ''),
    );
    if (search.stoppedBy === 'interrupted') return { points, stopReason: 'interrupted' };
    function named(names: string[]): string {
      return names.map((n) => partLabel(parts.find((p) => p.name === n)!, i.target.info.kind)).join(', ');
    }
    if (rate === 0) return { points, stopReason: `size ${size} sustained no rate that meets the SLO` };
    if (saturated.length > 0)
      return {
        points,
        stopReason: `${named(saturated)} saturated at ${rate}/s with ${size} ${unit}: a larger size shares ${saturated.length > 1 ? 'them' : 'it'}`,
      };
    if (search.upperReason === 'generator')
      return {
        points,
        stopReason: `the load generator saturated at ${search.upperRate}/s with ${size} ${unit}: beyond it the figures would measure the generator`,
      };
    if (prev && rate < prev.search.sustainableRate * MIN_GAIN)
      return {
        points,
        stopReason: `${size} ${unit} sustained less than ${Math.round((MIN_GAIN - 1) * 100)} % more than ${prev.size}: something they share limits them`,
      };
  }
  const last = points[points.length - 1];
  return {
    points,
    stopReason:
      last !== undefined && last.size >= i.target.info.maxSize
        ? `the largest size this target runs at (${i.target.info.maxSize} ${unit})`
        : `the last size asked for (${last?.size ?? 0} ${unit})`,
  };
}
