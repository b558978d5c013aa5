/**
 * The self-contained HTML report: one file, inline CSS and SVG, no script, no CDN, so it opens
 * offline and from a CI artefact. Every string from the report is escaped (stage titles, error
 * reasons and versions come from outside this code). It reads for everyone: every chart has its
 * numbers in a table beside it, tables have captions and header scopes, text and chart colours
 * meet WCAG contrast on the white page (palette.ts), and the charts scale to the page width —
 * checked in headless Chromium at 390 and 1280 px with axe-core (test/system/report-html.test.ts).
 */
import { chartFigure } from './chart-figure.js';
import { escapeXml as esc } from './escape.js';
import { formatRate } from './format.js';
import { htmlTable } from './html-table.js';
import { fleetSection } from './ladder-fleet-html.js';
import { FIGURE_HEAD, figureCells, formatRatio, formatUs, isMeasured, talkCell } from './ladder-table.js';
import { GENERATOR_GREY, OTHER_GREY, PALETTE } from './palette.js';
import { REPORT_CSS } from './report-css.js';
import type { LadderReport, StageRunReport } from './report-types.js';

const CSS = `${REPORT_CSS}
ul.evidence{margin:.2em 0 1em;color:#3d3d3d}.verdict{font-weight:600}.skipped,.failed{color:#a32020}`;

const throughput = (runs: StageRunReport[]) =>
  chartFigure({
    kind: 'log',
    title: 'Throughput per stage (log scale)',
    unit: 'per second',
    headUnit: '',
    series: [
      { name: 'ours: page views/s', cls: 'bar bar-pv', color: PALETTE[0] },
      { name: 'ours: requests/s', cls: 'bar bar-rps', color: PALETTE[2] },
      { name: 'talk (2007): req/s', cls: 'bar bar-talk', color: PALETTE[1] },
    ],
    rows: runs.filter(isMeasured).map((r) => ({
      label: r.label,
      values: [r.bench.rates.pageViewsPerS, r.bench.rates.requestsPerS, r.talkRequestsPerS],
      note: r.speedup === undefined ? '' : `${formatRatio(r.speedup)} vs ${r.baseline}`,
    })),
    format: formatRate,
    noteHead: 'page views/s vs',
  });

// µs → ms for the axis: page loads span ~1 ms (cached) to seconds (CGI).
const latency = (runs: StageRunReport[]) =>
  chartFigure({
    kind: 'log',
    title: 'Page load time, HTML + all assets (log scale)',
    unit: 'ms',
    series: [
      { name: 'page load p50', cls: 'lat lat-p50', color: PALETTE[0] },
      { name: 'p90', cls: 'lat lat-p90', color: PALETTE[2] },
      { name: 'p99', cls: 'lat lat-p99', color: PALETTE[1] },
    ],
    rows: runs.filter(isMeasured).map((r) => {
      const l = r.bench.pageLoad ?? r.bench.latency;
      return { label: r.label, values: [l.p50 / 1000, l.p90 / 1000, l.p99 / 1000] };
    }),
    format: (ms) => formatUs(ms * 1000),
    headUnit: '',
  });

/** The colour family of a process role: one colour per part of the stack, not per process. */
function roleGroup(role: string): string {
  if (/^(app|cluster-worker)-\d+$/.test(role)) return 'app processes';
  if (role === 'lighttpd/children') return 'CGI scripts';
  if (/^nginx/.test(role)) return 'nginx';
  return role;
}

function cpu(runs: StageRunReport[]): string {
  const measured = runs.filter(isMeasured).filter((r) => r.cpu);
  const roles = [...new Set(measured.flatMap((r) => r.cpu!.roles.map((x) => x.role)))];
  // Roles of one group side by side in the stack (app-1, app-2, …), so their colour reads as one.
  const groups = [...new Set(roles.map(roleGroup))];
  roles.sort((a, b) => groups.indexOf(roleGroup(a)) - groups.indexOf(roleGroup(b)));
  const series = [
    ...roles.map((name, i) => {
      const group = roleGroup(name);
      const color = PALETTE[groups.indexOf(group) % PALETTE.length]!;
      return { name, cls: `cpu-${i}`, color, group };
    }),
    { name: 'load generator', cls: `cpu-${roles.length}`, color: GENERATOR_GREY },
    { name: 'other processes', cls: `cpu-${roles.length + 1}`, color: OTHER_GREY },
  ];
  return chartFigure({
    kind: 'stacked',
    title: 'CPU during the run, per process role',
    unit: 'cores',
    series,
    rows: measured.map((r) => {
      const c = r.cpu!;
      const byRole = new Map(c.roles.map((x) => [x.role, x.cores]));
      return {
        label: r.label,
        values: [...roles.map((x) => byRole.get(x)), c.generatorCores, c.otherCores],
        note: `${c.machineBusyCores.toFixed(2)} of ${c.cores} cores`,
      };
    }),
    format: (v) => v.toFixed(2),
    noteHead: 'whole machine busy',
  });
}

function serverTiming(runs: StageRunReport[]): string {
  const withSt = runs.filter(isMeasured).filter((r) => Object.keys(r.bench.serverTiming).length > 0);
  const phases = [...new Set(withSt.flatMap((r) => Object.keys(r.bench.serverTiming)))].filter(
    (p) => !/^(total|app)$/.test(p),
  );
  if (phases.length === 0) return '<p class="muted">No Server-Timing headers were received.</p>';
  return chartFigure({
    kind: 'stacked',
    title: 'Server-Timing per dynamic page (mean)',
    unit: 'ms',
    series: phases.map((name, i) => ({ name, cls: `st-${i}`, color: PALETTE[(i + 3) % PALETTE.length]! })),
    rows: withSt.map((r) => ({ label: r.label, values: phases.map((p) => r.bench.serverTiming[p]?.meanMs) })),
    format: (v) => v.toFixed(v >= 10 ? 1 : 3),
  });
}

function results(runs: StageRunReport[]): string {
  const head = [...FIGURE_HEAD, 'static'];
  return htmlTable({
    caption: "Results per stage, beside the talk's 2007 figures",
    head,
    rows: runs.map((r) =>
      isMeasured(r)
        ? {
            cells: [
              ...figureCells(r),
              r.staticShare === undefined ? '' : `${Math.round(r.staticShare * 100)} %`,
            ],
          }
        : { cells: [r.label, talkCell(r), `${r.status}: ${r.reason ?? ''}`], cls: r.status, spanFrom: 2 },
    ),
  });
}

function diagnosis(runs: StageRunReport[]): string {
  return runs
    .map((r) => {
      const title = `<h3>${esc(r.label)}${r.talkVersion ? ` <span class="muted">(talk ${esc(r.talkVersion)})</span>` : ''}</h3>`;
      if (!isMeasured(r) || !r.diagnosis) {
        const inst = r.install?.length
          ? ` Install: ${r.install.map((i) => `<code>${esc(i)}</code>`).join(', ')}`
          : '';
        return `${title}<p class="${r.status}">${esc(r.status)}: ${esc(r.reason ?? '')}${inst}</p>`;
      }
      const d = r.diagnosis;
      return (
        `${title}<p class="muted">${esc(r.summary)}</p>` +
        `<p><span class="verdict">${esc(d.bottleneck)}</span> — ${esc(d.text)}</p>` +
        `<ul class="evidence">${d.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>`
      );
    })
    .join('\n');
}

export function ladderHtml(report: LadderReport): string {
  const m = report.machine;
  const o = report.options;
  const versions = Object.entries(m.versions)
    .map(([k, v]) => `${esc(k)} ${esc(v)}`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>flickr-killr ladder — ${esc(report.startedAt)}</title><style>${CSS}</style></head>
<body><main>
<h1>flickr-killr ladder</h1>
<p class="muted">Started ${esc(report.startedAt)}, finished ${esc(report.finishedAt)}${report.interrupted ? ' — <strong>interrupted</strong>' : ''}.
${esc(o.users.toLocaleString('en-US'))} users; ${o.connections} logged-in virtual users; ${o.durationMs / 1000} s per stage after ${o.warmupMs / 1000} s warm-up${o.quick ? ' (quick run)' : ''}.
A page view is the HTML page and all its assets, as a browser fetches them.</p>
<p class="note">The load generator runs on the same machine as the stack and competes with it for CPU
(its share is drawn in dark grey below). Absolute figures describe this machine; the talk's 2007 figures
came from another; compare the ratios.</p>
<h2>Results</h2>
${results(report.runs)}
<h2>Throughput</h2>
${throughput(report.runs)}
<h2>Latency</h2>
${latency(report.runs)}
<h2>Where the CPU went</h2>
${cpu(report.runs)}
<h2>Inside the app: Server-Timing</h2>
${serverTiming(report.runs)}
${fleetSection(report.runs)}
<h2>What's wrong with this picture?</h2>
${diagnosis(report.runs)}
<h2>Machine</h2>
<p>${m.cores} cores, ${esc(m.cpuModel)}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, ${esc(m.os)}; Node ${esc(m.node)}; ${versions}.</p>
</main></body></html>
`;
}
