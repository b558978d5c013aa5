/**
 * The ladder's diagnosis for its fleet rung: on a fleet the limit is a HOST (its CPU quota), so
 * the verdict names the host and its role — "lb host 'lb' (0.75 core) saturated at 90 page
 * views/s" — from each host's cgroup over the bench's measured window. Pure.
 */

import type { PartUsage } from '../report/capacity-types.js';
import type { BenchSummary, Diagnosis } from '../report/report-types.js';
import { partLabel, SATURATED_SHARE } from './target.js';

const share = (p: PartUsage) => p.usedCores / Math.max(1e-9, p.budgetCores);
const pct = (x: number) => `${Math.round(x * 100)} %`;
const f1 = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

export function fleetDiagnosis(
  bench: BenchSummary,
  parts: readonly PartUsage[],
  generic: Diagnosis,
): Diagnosis {
  // Failing requests or no CPU figures: the generic verdict says it better.
  if (generic.bottleneck === 'errors' || generic.bottleneck === 'no-data' || parts.length === 0)
    return generic;
  const rate = bench.rates.pageViewsPerS;
  const evidence = [
    ...generic.evidence.filter((e) => !e.startsWith('CPU (cores of') && !e.startsWith('machine busy')),
    `CPU per host (cores of its quota): ${parts.map((p) => `${p.name} ${p.usedCores.toFixed(2)}/${p.budgetCores} (${pct(share(p))})`).join(', ')}`,
  ];
  const saturated = parts.filter((p) => share(p) >= SATURATED_SHARE).sort((a, b) => share(b) - share(a));
  const shared = saturated.filter((p) => p.shared);
  if (shared.length > 0) {
    const h = shared[0]!;
    return {
      bottleneck: h.role === 'db' ? 'database' : h.role === 'sessions' ? 'sessions' : 'shared-host',
      text:
        `${partLabel(h, 'fleet')} saturated at ${f1(rate)} page views/s (${pct(share(h))} of its quota): ` +
        'every request passes it whatever the number of app hosts, so another app host would not help — a bigger ' +
        `${h.role} host, or another one, would.`,
      evidence,
    };
  }
  const apps = saturated.filter((p) => !p.shared);
  if (apps.length > 0) {
    const all = parts.filter((p) => !p.shared);
    return {
      bottleneck: 'app-cpu',
      text:
        `${apps.length === all.length ? 'Every app host' : `${apps.length} of ${all.length} app hosts`} at its CPU quota ` +
        `(${apps.map((p) => partLabel(p, 'fleet')).join(', ')}) at ${f1(rate)} page views/s, the shared hosts below theirs: ` +
        'another app host is the next step (the scale-out chart says how much it gives).',
      evidence,
    };
  }
  const top = [...parts].sort((a, b) => share(b) - share(a))[0]!;
  return {
    bottleneck: generic.bottleneck === 'generator' ? 'generator' : 'not-saturated',
    text:
      `No host at its CPU quota (the busiest: ${partLabel(top, 'fleet')}, ${pct(share(top))}): ` +
      (generic.bottleneck === 'generator'
        ? 'the load generator set the pace.'
        : 'the virtual users, not the hosts, set the pace (a closed loop of the ladder’s size).'),
    evidence,
  };
}
