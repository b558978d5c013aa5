/**
 * The ladder report's fleet rung, past one machine (issue #12: "the ladder ends with a fleet rung
 * … and a short scale-out chart"): every host's CPU against its quota over the measured window —
 * the diagnosis names a host, so the report shows each host beside its budget — and the rung's
 * scale-out chart (sustainable rate at 1 and 2 app hosts against the ideal line N × 1 host),
 * with how it is shorter than `capacity`'s. Same rules as the rest of the report (ladder-html.ts):
 * inline SVG, every string escaped, every chart with its numbers in a table.
 */
import { lineFigure } from './capacity-chart.js';
import { escapeXml as esc } from './escape.js';
import { formatRate } from './format.js';
import { htmlTable } from './html-table.js';
import { fleetScaleOutLine } from './ladder-table.js';
import { PALETTE } from './palette.js';
import type { FleetScaleOut, StageRunReport } from './report-types.js';

const hostName = (size: number) => `${size} app host${size === 1 ? '' : 's'}`;

function hostTable(r: StageRunReport): string {
  const hosts = r.hosts ?? [];
  if (hosts.length === 0) return '';
  return htmlTable({
    caption: `${r.label}: CPU of every host during the measured window, against its quota (its cgroup)`,
    head: ['host', 'roles', 'used (cores)', 'quota (cores)', 'of quota'],
    rows: hosts.map((h) => ({
      cells: [
        h.name,
        h.roles.join(', '),
        h.usedCores.toFixed(2),
        h.quotaCores.toFixed(2),
        h.quotaCores > 0 ? `${Math.round((h.usedCores / h.quotaCores) * 100)} %` : '–',
      ],
    })),
  });
}

/** Sizes that sustained something (and size 1 always): a size that failed outright is in the table, not on the line. */
export function scaleOutSeries(s: FleetScaleOut): {
  measured: Array<[number, number]>;
  ideal: Array<[number, number]>;
} {
  const one = s.sizes.find((p) => p.size === 1)?.sustainableRate ?? 0;
  const pts = s.sizes.filter((p) => p.sustainableRate > 0 || p.size === 1);
  return {
    measured: pts.map((p) => [p.size, p.sustainableRate]),
    ideal: one > 0 ? pts.map((p) => [p.size, p.size * one]) : [],
  };
}

function scaleOutFigure(r: StageRunReport, s: FleetScaleOut): string {
  const { measured, ideal } = scaleOutSeries(s);
  const chart = lineFigure(
    {
      title: `${r.label}: sustainable page views/s by app hosts, against the ideal line (N × 1 app host)`,
      xLabel: 'app hosts',
      yLabel: 'page views/s',
      integerX: true,
      series: [
        { name: 'measured: sustainable', color: PALETTE[0], marker: 'circle', points: measured },
        ...(ideal.length === 0
          ? []
          : [
              {
                name: 'ideal: N × 1 app host',
                color: PALETTE[1],
                marker: 'square' as const,
                dashed: true,
                points: ideal,
              },
            ]),
      ],
    },
    formatRate,
  );
  const saturated = s.sizes
    .filter((p) => p.saturated.length > 0)
    .map((p) => `${hostName(p.size)}: ${p.saturated.join(', ')} at its quota`);
  return (
    chart +
    `<p class="muted">${esc(fleetScaleOutLine(s))}</p>` +
    `<p>Efficiency (rate with 2 ÷ 2 × rate with 1): <strong>${s.efficiency ?? '–'}</strong>; ` +
    `the curve stopped: ${esc(s.stopReason)}.${saturated.length > 0 ? ` Saturated: ${esc(saturated.join('; '))}.` : ''}</p>`
  );
}

/** The section, or '' when the ladder ran no fleet rung with hosts or a scale-out. */
export function fleetSection(runs: readonly StageRunReport[]): string {
  const fleet = runs.filter((r) => r.status === 'ok' && (r.hosts !== undefined || r.scaleOut !== undefined));
  if (fleet.length === 0) return '';
  const body = fleet
    .map((r) => `${hostTable(r)}${r.scaleOut === undefined ? '' : scaleOutFigure(r, r.scaleOut)}`)
    .join('\n');
  return `<h2>Past one machine: the fleet rung</h2>
<p class="muted">Each host is a lab host of its own (network namespace, cgroup CPU quota, sshd), all on this
machine; the load generator runs outside them. For the full curve (1, 2, 4, … app hosts, overload too) run
<code>flickr-killr capacity --lab</code>.</p>
${body}`;
}
