/**
 * The capacity report as one self-contained HTML file (inline CSS and SVG, no script, no CDN: it
 * opens offline and from a CI artefact), under the ladder report's rules (ladder-html.ts): every
 * string escaped, every chart with its numbers in a table, tables with captions and header
 * scopes, palette colours that meet WCAG contrast, charts that scale to the page width.
 */
import { lineFigure } from './capacity-chart.js';
import { bracket, ms, pct, probeCount, saturation } from './capacity-table.js';
import type { CapacityReport, OverloadCurve, ProbeRecord, ScalePoint } from './capacity-types.js';
import { escapeXml as esc } from './escape.js';
import { formatRate } from './format.js';
import { htmlTable } from './html-table.js';
import { PALETTE } from './palette.js';
import { REPORT_CSS } from './report-css.js';

const CSS = `${REPORT_CSS}
.answer{background:#eef5fb;padding:.5em 1em;border-left:4px solid ${PALETTE[0]}}.answer li{margin:.2em 0}`;

function scaleOutChart(r: CapacityReport): string {
  const pts = r.scaleOut.filter((p) => p.search.sustainableRate > 0 || p.size === 1);
  return lineFigure(
    {
      title: `Sustainable rate by size, against the ideal line (N × size 1)`,
      xLabel: `size (${r.target.sizeUnit})`,
      yLabel: 'page views/s',
      integerX: true,
      series: [
        {
          name: 'measured: sustainable',
          color: PALETTE[0],
          marker: 'circle',
          points: pts.map((p) => [p.size, p.search.sustainableRate]),
        },
        {
          name: 'ideal: N × size 1',
          color: PALETTE[1],
          marker: 'square',
          dashed: true,
          points: pts.map((p) => [p.size, p.ideal]),
        },
      ],
    },
    formatRate,
  );
}

function scaleOutTable(r: CapacityReport): string {
  return htmlTable({
    caption: 'Scale-out: the sustainable rate of each size (page views/s)',
    head: [
      'size',
      'sustainable',
      'bracket',
      'ideal',
      'efficiency',
      'probes',
      'time',
      'busiest shared part (cores/budget)',
    ],
    rows: r.scaleOut.map((p) => ({
      cells: [
        String(p.size),
        formatRate(p.search.sustainableRate),
        bracket(p),
        formatRate(p.ideal),
        p.efficiency === null ? '–' : p.efficiency.toFixed(2),
        `${probeCount(p.search)}${p.search.converged ? '' : ' (budget out)'}`,
        `${Math.round(p.search.elapsedS)} s`,
        saturation(p),
      ],
    })),
  });
}

function partsTable(p: ScalePoint): string {
  return htmlTable({
    caption: `CPU per part at size ${p.size}'s sustainable rate (${formatRate(p.search.sustainableRate)}/s)`,
    head: ['part', 'role', 'shared', 'cores used', 'budget', 'share'],
    rows: p.parts.map((x) => ({
      cells: [
        x.name,
        x.role,
        x.shared ? 'yes' : 'no',
        x.usedCores.toFixed(2),
        String(x.budgetCores),
        `${Math.round((100 * x.usedCores) / Math.max(x.budgetCores, 1e-9))} %${p.saturated.includes(x.name) ? ' saturated' : ''}`,
      ],
    })),
  });
}

function probesTable(caption: string, probes: ProbeRecord[]): string {
  return htmlTable({
    caption,
    head: [
      'probe',
      'phase',
      'offered/s',
      'done/s',
      'goodput/s',
      'p50',
      'p99',
      'errors',
      '503s',
      'users',
      'verdict',
    ],
    rows: probes.map((x) => ({
      cells: [
        String(x.n),
        x.phase,
        formatRate(x.offeredRate),
        formatRate(x.achievedRate),
        formatRate(x.goodput),
        ms(x.latencyUs.p50),
        ms(x.latencyUs.p99),
        pct(x.errorsPct),
        String(x.status503),
        String(x.virtualUsers),
        x.reasons.length === 0 ? x.verdict : `${x.verdict}: ${x.reasons.join('; ')}`,
      ],
    })),
  });
}

const curveName = (c: OverloadCurve) =>
  c.protect ? `--protect (${c.maxInFlight} in flight per process)` : 'unprotected';
const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;
/** Unprotected vermillion, protected curves from bluish green on; blue is the ideal line's. */
const curveColor = (i: number): string => PALETTE[1 + (i % (PALETTE.length - 1))]!;

function overload(curves: OverloadCurve[]): string {
  if (curves.length === 0) return '<p class="muted">Not measured.</p>';
  const base = curves[0]!;
  const ideal = base.steps.map((s): [number, number] => [
    s.offeredRate,
    Math.min(s.offeredRate, base.baseRate),
  ]);
  const goodput = lineFigure(
    {
      title: 'Goodput (page views within the SLO per second) against offered load',
      xLabel: 'offered page views/s',
      yLabel: 'goodput/s',
      series: [
        ...curves.map((c, i) => ({
          name: curveName(c),
          color: curveColor(i),
          marker: MARKERS[i % MARKERS.length]!,
          points: c.steps.map((s): [number, number] => [s.offeredRate, s.goodput]),
        })),
        {
          name: 'ideal: min(offered, sustainable)',
          color: PALETTE[0],
          marker: 'diamond' as const,
          dashed: true,
          points: ideal,
        },
      ],
    },
    formatRate,
  );
  const latency = lineFigure(
    {
      title: 'Page load p99 (corrected) against offered load',
      xLabel: 'offered page views/s',
      yLabel: 'p99, ms',
      series: curves.map((c, i) => ({
        name: curveName(c),
        color: curveColor(i),
        marker: MARKERS[i % MARKERS.length]!,
        points: c.steps.map((s): [number, number] => [s.offeredRate, s.latencyUs.p99 / 1000]),
      })),
    },
    (v) => `${v.toFixed(v >= 100 ? 0 : 1)} ms`,
  );
  const tables = curves.map((c) => probesTable(`Overload steps, ${curveName(c)}`, c.steps)).join('');
  return (
    `<p>At size ${base.size}, from ${base.steps[0]?.multiplier ?? 0.5}× to ${base.steps[base.steps.length - 1]?.multiplier ?? 3}× its sustainable rate (${formatRate(base.baseRate)} page views/s), open loop.</p>` +
    goodput +
    latency +
    tables
  );
}

export function capacityHtml(r: CapacityReport): string {
  const t = r.target;
  const o = r.options;
  const m = r.machine;
  const probes = r.scaleOut
    .map((p) =>
      [
        `<h3>Size ${p.size}</h3>`,
        partsTable(p),
        `<details><summary>Every probe of size ${p.size} (${p.search.probes.length}, stopped by ${esc(p.search.stoppedBy)})</summary>`,
        probesTable(`Probes of size ${p.size}`, p.search.probes),
        '</details>',
      ].join(''),
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>flickr-killr capacity — ${esc(t.name)} — ${esc(r.startedAt)}</title><style>${CSS}</style></head>
<body><main>
<h1>Will it hold ${esc(String(o.factor))}×? — ${esc(t.kind)} ${esc(t.name)}</h1>
<p class="muted">Started ${esc(r.startedAt)}, finished ${esc(r.finishedAt)}${r.interrupted ? ' — <strong>interrupted</strong>' : ''}.
Size = ${esc(t.sizeUnit)}; SLO <code>${esc(o.slo)}</code>; each probe ${o.warmupMs / 1000} s warm-up + ${o.probeMs / 1000} s, open loop,
logged-in virtual users viewing random users' pages (${esc(t.users.toLocaleString('en-US'))} users) with every asset;
the search brackets each size's rate within ${Math.round(o.tolerance * 100)} % in at most ${o.maxProbes} probes.</p>
${t.kind === 'stage' ? '<p class="note">A local stage: the load generator runs on the same machine and shares its cores with the stack, so "the machine" is a shared part that every size shares.</p>' : ''}
<h2>The answer</h2>
<ul class="answer">${r.answer.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
<h2>Scale-out</h2>
${scaleOutChart(r)}
${scaleOutTable(r)}
<p>The curve stops: ${esc(r.stopReason)}.</p>
${probes}
<h2>Past capacity: overload</h2>
${overload(r.overload)}
<h2>Machine</h2>
<p>${m.cores} cores, ${esc(m.cpuModel)}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, ${esc(m.os)}; Node ${esc(m.node)}.</p>
</main></body></html>
`;
}
