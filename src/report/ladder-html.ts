/**
 * The self-contained HTML report: one file, inline CSS and SVG, no script, no CDN, so it opens
 * offline and from a CI artefact. Every string from the report is escaped (stage titles, error
 * reasons and versions come from outside this code).
 */
import { FIGURE_HEAD, figureCells, formatRatio, isMeasured, talkCell } from './ladder-table.js';
import type { LadderReport, StageRunReport } from './report-types.js';
import { escapeXml as esc, logBarChart, PALETTE, type Series, stackedBarChart } from './svg-charts.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:900px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%}
td,th{padding:3px 6px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}th,td.text{white-space:normal}table{font-size:13px}td:first-child,th:first-child{text-align:left}
td.text{text-align:left}.muted{color:#777}.note{background:#fff8e1;padding:.5em 1em;border-left:3px solid #E69F00}
.chart text{font:11px system-ui,sans-serif;fill:#333}.chart .grid{stroke:#ddd}.chart .tick{fill:#777}
.chart .note{fill:#777}code{background:#f4f4f4;padding:0 3px}ul.evidence{margin:.2em 0 1em;color:#444}
.verdict{font-weight:600}.skipped,.failed{color:#a33}`;

function throughputChart(runs: StageRunReport[]): string {
  const series: Series[] = [
    { name: 'ours: page views/s', cls: 'bar bar-pv', color: PALETTE[0]! },
    { name: 'ours: requests/s', cls: 'bar bar-rps', color: PALETTE[5]! },
    { name: 'talk (2007): req/s', cls: 'bar bar-talk', color: PALETTE[1]! },
  ];
  const rows = runs.filter(isMeasured).map((r) => ({
    label: r.label,
    values: [r.bench.rates.pageViewsPerS, r.bench.rates.requestsPerS, r.talkRequestsPerS],
    note: r.speedup === undefined ? '' : `${formatRatio(r.speedup)} vs ${r.baseline}`,
  }));
  return logBarChart({ title: 'Throughput per stage (log scale)', unit: 'per second', series, rows });
}

function latencyChart(runs: StageRunReport[]): string {
  const series: Series[] = [
    { name: 'page load p50', cls: 'lat lat-p50', color: PALETTE[2]! },
    { name: 'p90', cls: 'lat lat-p90', color: PALETTE[1]! },
    { name: 'p99', cls: 'lat lat-p99', color: PALETTE[3]! },
  ];
  // µs → ms for the axis: page loads span ~1 ms (cached) to seconds (CGI).
  const rows = runs.filter(isMeasured).map((r) => {
    const l = r.bench.pageLoad ?? r.bench.latency;
    return { label: r.label, values: [l.p50 / 1000, l.p90 / 1000, l.p99 / 1000] };
  });
  return logBarChart({ title: 'Page load time, HTML + all assets (log scale)', unit: 'ms', series, rows });
}

function cpuChart(runs: StageRunReport[]): string {
  const measured = runs.filter(isMeasured).filter((r) => r.cpu);
  const roles = [...new Set(measured.flatMap((r) => r.cpu!.roles.map((x) => x.role)))];
  const names = [...roles, 'load generator', 'other processes'];
  const series = names.map((name, i) => ({
    name,
    cls: `cpu-${i}`,
    color: name === 'load generator' ? '#999999' : name === 'other processes' ? '#dddddd' : PALETTE[i % 6]!,
  }));
  const rows = measured.map((r) => {
    const c = r.cpu!;
    const byRole = new Map(c.roles.map((x) => [x.role, x.cores]));
    return {
      label: r.label,
      values: [...roles.map((x) => byRole.get(x)), c.generatorCores, c.otherCores],
      note: `${c.machineBusyCores.toFixed(2)} of ${c.cores} cores`,
    };
  });
  return stackedBarChart({ title: 'CPU during the run, per process role', unit: 'cores', series, rows });
}

function serverTimingChart(runs: StageRunReport[]): string {
  const withSt = runs.filter(isMeasured).filter((r) => Object.keys(r.bench.serverTiming).length > 0);
  const phases = [...new Set(withSt.flatMap((r) => Object.keys(r.bench.serverTiming)))].filter(
    (p) => !/^(total|app)$/.test(p),
  );
  if (phases.length === 0) return '<p class="muted">No Server-Timing headers were received.</p>';
  const series = phases.map((name, i) => ({ name, cls: `st-${i}`, color: PALETTE[(i + 2) % 8]! }));
  const rows = withSt.map((r) => ({
    label: r.label,
    values: phases.map((p) => r.bench.serverTiming[p]?.meanMs),
  }));
  return stackedBarChart({ title: 'Server-Timing per dynamic page (mean)', unit: 'ms', series, rows });
}

function tableHtml(runs: StageRunReport[]): string {
  const head = [...FIGURE_HEAD, 'static'];
  const body = runs.map((r) => {
    if (!isMeasured(r)) {
      return `<tr><td>${esc(r.label)}</td><td>${esc(talkCell(r))}</td><td colspan="${head.length - 2}" class="text ${r.status}">${esc(r.status)}: ${esc(r.reason ?? '')}</td></tr>`;
    }
    const cells = [
      ...figureCells(r),
      r.staticShare === undefined ? '' : `${Math.round(r.staticShare * 100)} %`,
    ];
    return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

function diagnosisHtml(runs: StageRunReport[]): string {
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
<body>
<h1>flickr-killr ladder</h1>
<p class="muted">Started ${esc(report.startedAt)}, finished ${esc(report.finishedAt)}${report.interrupted ? ' — <strong>interrupted</strong>' : ''}.
${esc(o.users.toLocaleString('en-US'))} users; ${o.connections} logged-in virtual users; ${o.durationMs / 1000} s per stage after ${o.warmupMs / 1000} s warm-up${o.quick ? ' (quick run)' : ''}.
A page view is the HTML page and all its assets, as a browser fetches them.</p>
<p class="note">The load generator runs on the same machine as the stack and competes with it for CPU
(its share is drawn in grey below). Absolute figures describe this machine; the talk's 2007 figures
came from another; compare the ratios.</p>
<h2>Results</h2>
${tableHtml(report.runs)}
<h2>Throughput</h2>
${throughputChart(report.runs)}
<h2>Latency</h2>
${latencyChart(report.runs)}
<h2>Where the CPU went</h2>
${cpuChart(report.runs)}
<h2>Inside the app: Server-Timing</h2>
${serverTimingChart(report.runs)}
<h2>What's wrong with this picture?</h2>
${diagnosisHtml(report.runs)}
<h2>Machine</h2>
<p>${m.cores} cores, ${esc(m.cpuModel)}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, ${esc(m.os)}; Node ${esc(m.node)}; ${versions}.</p>
</body></html>
`;
}
