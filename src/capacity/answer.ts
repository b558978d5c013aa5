/**
 * "Will it hold 10×?" answered from the scale-out curve: baseline × factor = the target rate; the
 * size that sustains it (measured, or extrapolated from the best measured rate per unit); the
 * shared part that reaches its budget first and at what rate; and what to do, in the talk's
 * words. Pure arithmetic on recorded figures. An extrapolation never hides a saturated shared
 * part: when one caps the rate below the target, the answer is "unreachable by size alone".
 */
import type {
  CapacityAction,
  CapacityAnswer,
  PartUsage,
  ScalePoint,
  SharedLimit,
} from '../report/capacity-types.js';
import { partLabel, SATURATED_SHARE, type TargetInfo } from './target.js';

/** "Faster than 1000+ pages/s ... is right at the outer limit of what very, very good single machine can do with an RDBMS" (the talk). */
export const RDBMS_LIMIT = 1000;

export interface AnswerInput {
  points: ScalePoint[];
  target: Pick<TargetInfo, 'kind' | 'sizeUnit' | 'staticFrom' | 'maxSize'>;
  factor: number;
  /** `--rate R`: our load today. Absent: size 1's sustainable rate. */
  givenRate?: number;
}

/**
 * Where a shared part reaches its budget, from the point of the curve with the highest rate at
 * which it was measured (the nearest to its limit): measured when it was at ≥ 85 % there, else
 * extrapolated as rate × budget ÷ used (CPU grows with page views, linearly to first order).
 */
export function sharedLimits(points: ScalePoint[]): SharedLimit[] {
  const best = new Map<string, { p: PartUsage; rate: number; size: number }>();
  for (const pt of points) {
    const rate = pt.search.sustainableRate;
    if (rate <= 0) continue;
    for (const p of pt.parts) {
      if (!p.shared || p.usedCores <= 0.005 || p.budgetCores <= 0) continue;
      const seen = best.get(p.name);
      if (seen === undefined || rate > seen.rate) best.set(p.name, { p, rate, size: pt.size });
    }
  }
  return [...best.values()]
    .map(({ p, rate, size }) => {
      const measured = p.usedCores >= SATURATED_SHARE * p.budgetCores;
      return {
        name: p.name,
        role: p.role,
        ceilingRate: measured ? rate : Math.round((rate * p.budgetCores) / p.usedCores),
        basis: measured ? ('measured' as const) : ('extrapolated' as const),
        usedCores: p.usedCores,
        budgetCores: p.budgetCores,
        atRate: rate,
        atSize: size,
      };
    })
    .sort((a, b) => a.ceilingRate - b.ceilingRate || a.name.localeCompare(b.name));
}

export function answer(i: AnswerInput): CapacityAnswer {
  const unit = i.target.sizeUnit;
  const size1 = i.points.find((p) => p.size === 1)?.search.sustainableRate ?? 0;
  const baseline =
    i.givenRate === undefined
      ? { rate: size1, source: 'size-1' as const }
      : { rate: i.givenRate, source: 'given' as const };
  const targetRate = Math.round(baseline.rate * i.factor);
  const measured = i.points.filter((p) => p.search.sustainableRate > 0);
  // Rate per unit of size: from points no shared part held back, else from any.
  const clean = measured.filter((p) => p.saturated.length === 0);
  const perUnitRate = Math.max(
    0,
    ...(clean.length > 0 ? clean : measured).map((p) => p.search.sustainableRate / p.size),
  );
  const limits = sharedLimits(i.points);
  const firstShared = limits[0] ?? null;
  const last = i.points[i.points.length - 1];
  const generatorLimited = last?.search.upperReason === 'generator';

  let size: CapacityAnswer['size'];
  const enough = measured.find((p) => p.search.sustainableRate >= targetRate);
  if (enough !== undefined)
    size = { value: enough.size, basis: 'measured', perUnitRate: round1(perUnitRate) };
  else if (perUnitRate <= 0 || (firstShared !== null && firstShared.ceilingRate < targetRate))
    size = { value: null, basis: 'unreachable', perUnitRate: round1(perUnitRate) };
  else
    size = {
      value: Math.ceil(targetRate / perUnitRate),
      basis: 'extrapolated',
      perUnitRate: round1(perUnitRate),
    };

  const lines: string[] = [];
  const src =
    baseline.source === 'given' ? 'our load today (--rate)' : `the sustainable rate at size 1, in ${unit}`;
  const fleet = i.target.kind === 'fleet';
  const first = firstShared === null ? undefined : limitLabel(firstShared, i.points, i.target.kind);
  lines.push(
    `Target: ${fmt(baseline.rate)} page views/s (${src}) × ${i.factor} = ${fmt(targetRate)} page views/s.`,
  );
  if (size.basis === 'measured')
    lines.push(`Measured: ${size.value} ${unit} sustain ${fmt(enough!.search.sustainableRate)}/s — enough.`);
  else if (size.basis === 'extrapolated')
    lines.push(
      `Extrapolated: ${size.value} ${unit} (${fmt(targetRate)}/s ÷ ${fmt(perUnitRate)}/s per unit, the best measured; ` +
        `measured up to ${last?.size ?? 0})${size.value! > i.target.maxSize ? `; this target runs at most ${i.target.maxSize}` : ''}.`,
    );
  else if (perUnitRate <= 0) lines.push('Nothing sustained the SLO: there is no rate to scale from.');
  else lines.push(`Unreachable by adding ${unit}: ${first} caps the rate first (below).`);
  if (firstShared !== null)
    lines.push(
      `First shared ${fleet ? 'host' : 'part'} to saturate: ${fleet ? first : `${firstShared.name} (${firstShared.role})`} at ${firstShared.basis === 'measured' ? '' : '~'}${fmt(firstShared.ceilingRate)} page views/s — ` +
        `${firstShared.basis} (${firstShared.usedCores.toFixed(2)} of ${firstShared.budgetCores} cores at ${fmt(firstShared.atRate)}/s, size ${firstShared.atSize}).`,
    );
  const oneKernel = sharedKernel(i.points);
  if (oneKernel !== undefined)
    lines.push(
      `Hosts ${oneKernel.join(', ')} share one kernel (the same /proc/stat boot time): each one's CPU figure is that whole machine's, not its own, ` +
        "so a 'saturated' host there means the machine (network namespaces or containers of one box, measured as --hosts).",
    );
  if (generatorLimited) lines.push('The load generator saturated first: these figures are lower bounds.');
  const noisy = busyElsewhere(i.points);
  if (noisy !== undefined)
    lines.push(
      `Other processes used ${noisy.usedCores.toFixed(2)} of ${noisy.budgetCores} cores during size ${noisy.size}'s measurement: ` +
        'these rates are lower than this machine gives when quiet (compare ratios within the run, or run again).',
    );
  const actions = advise({ ...i, targetRate, size, firstShared, generatorLimited, perUnitRate });
  for (const a of actions) lines.push(`What to do (${a.part}): ${a.text}`);
  const firstSharedHost = !fleet
    ? {}
    : {
        firstSharedHost:
          firstShared === null
            ? null
            : {
                name: firstShared.name,
                roles: rolesOf(firstShared, i.points),
                quotaCores: firstShared.budgetCores,
                label: first!,
              },
      };
  return {
    baseline,
    factor: i.factor,
    targetRate,
    size,
    firstShared,
    ...firstSharedHost,
    generatorLimited,
    actions,
    lines,
  };
}

function rolesOf(s: SharedLimit, points: ScalePoint[]): string[] {
  for (const pt of points) {
    const p = pt.parts.find((x) => x.name === s.name);
    if (p?.roles !== undefined) return p.roles;
  }
  return [s.role];
}

function limitLabel(s: SharedLimit, points: ScalePoint[], kind: 'stage' | 'fleet'): string {
  return partLabel(
    { name: s.name, role: s.role, budgetCores: s.budgetCores, roles: rolesOf(s, points) },
    kind,
  );
}

/** Work that is not the stack's nor the generator's took ≥ 25 % of the budget (a shared machine). */
export const NOISY_SHARE = 0.25;

function busyElsewhere(points: ScalePoint[]): (PartUsage & { size: number }) | undefined {
  for (const pt of points)
    for (const p of pt.parts)
      if (p.role === 'other' && !p.shared && p.usedCores >= NOISY_SHARE * p.budgetCores)
        return { ...p, size: pt.size };
  return undefined;
}

interface AdviceInput extends AnswerInput {
  targetRate: number;
  size: CapacityAnswer['size'];
  firstShared: SharedLimit | null;
  generatorLimited: boolean;
  perUnitRate: number;
}

/** The talk's list: another app host; static off the app hosts; an index; past ~1000 pages/s the database. */
function advise(a: AdviceInput): CapacityAction[] {
  const out: CapacityAction[] = [];
  const host = a.target.kind === 'fleet' ? 'app host' : 'app process';
  const blocked = a.firstShared !== null && a.firstShared.ceilingRate < a.targetRate;
  if (a.generatorLimited)
    out.push({
      part: 'generator',
      text: 'run the load generator with more CPU of its own (another machine, or outside the lab hosts): it, not the stack, stopped the curve.',
    });
  if (blocked) out.push(sharedAdvice(a.firstShared!));
  if (a.size.basis === 'extrapolated' && a.size.value !== null)
    out.push({
      part: 'app',
      text: `another ${host}, and another: ${a.size.value} in all for ${fmt(a.targetRate)}/s (≈ ${fmt(a.perUnitRate)}/s each).`,
    });
  if (a.target.staticFrom === 'app')
    out.push({
      part: 'static',
      text: "static files off the app processes: let nginx answer them from memcached (stage memcached, the talk's 0.4) or from disk (nginx-static).",
    });
  if (a.firstShared?.role === 'db' || a.targetRate > RDBMS_LIMIT)
    out.push({
      part: 'database',
      text:
        `${a.targetRate > RDBMS_LIMIT ? `past ~${RDBMS_LIMIT} pages/s one machine's RDBMS is at its outer limit (the talk): ` : ''}` +
        'check the index first (`flickr-killr index status`: the photos.user_id index), then "db replicas/clusters, reads vs. writes, partitioning".',
    });
  return out;
}

function sharedAdvice(s: SharedLimit): CapacityAction {
  const at = `${s.basis === 'measured' ? '' : '~'}${fmt(s.ceilingRate)}/s`;
  switch (s.role) {
    case 'machine':
      return {
        part: 'machine',
        text: `another machine: this one's cores are the limit at ${at} (every part and the load generator share them). Give the roles hosts of their own — stage fleet (capacity --lab) measures that.`,
      };
    case 'lb':
      return {
        part: s.name,
        text: `the front door is the limit at ${at}: more nginx worker processes, or a second load balancer.`,
      };
    case 'cache':
      return {
        part: s.name,
        text: `memcached is the limit at ${at}: another cache host (nginx's consistent hash spreads the keys).`,
      };
    case 'sessions':
      return {
        part: s.name,
        text: `the session store is the limit at ${at}: another Redis, sessions spread by key.`,
      };
    case 'db':
      return { part: s.name, text: `the database is the limit at ${at}.` };
    default:
      return { part: s.name, text: `${s.name} is the limit at ${at}.` };
  }
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(round1(x)));
const round1 = (x: number) => Math.round(x * 10) / 10;

/** The hosts of the largest group that read the same kernel's /proc/stat (real machines only); undefined when none share one. */
export function sharedKernel(points: readonly ScalePoint[]): string[] | undefined {
  const byKernel = new Map<string, Set<string>>();
  for (const p of points)
    for (const part of p.parts)
      if (part.kernel !== undefined) {
        const set = byKernel.get(part.kernel) ?? new Set<string>();
        set.add(part.name);
        byKernel.set(part.kernel, set);
      }
  const biggest = [...byKernel.values()].sort((a, b) => b.size - a.size)[0];
  return biggest !== undefined && biggest.size >= 2 ? [...biggest] : undefined;
}
