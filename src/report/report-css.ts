/**
 * The style every HTML report of ours shares (the ladder's and the capacity report's): readable
 * type, tables that scroll inside their own region with sticky row heads, palette colours that
 * meet WCAG contrast on the white page (palette.ts), and charts drawn twice — wide and narrow —
 * of which CSS shows the one that fits (checked in Chromium, test/helpers/report-browser.ts).
 * Each report appends only its own classes.
 */
import { BACKGROUND, INK, MUTED } from './palette.js';

export const REPORT_CSS = `
body{font:15px/1.5 system-ui,sans-serif;margin:1.5em auto;max-width:960px;color:${INK};background:${BACKGROUND};padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:14px}
caption{text-align:left;font-weight:600;padding:.3em 0;position:sticky;left:0;max-width:calc(100vw - 2em)}
td,th{padding:3px 8px;border-bottom:1px solid #e0e0e0;text-align:right;white-space:nowrap}
th[scope=col]{vertical-align:bottom;white-space:normal}th[scope=col]:first-child,th[scope=row],td.text{text-align:left}
td.text{white-space:normal}
th[scope=row]{font-weight:normal;position:sticky;left:0;background:#fff}.scroll{overflow-x:auto;max-width:100%}
.muted{color:${MUTED}}.note{background:#fff8e1;padding:.5em 1em;border-left:4px solid #9a6700}
figure{margin:1em 0}figcaption{color:${MUTED};font-size:13px}
.chart{display:block;width:100%;height:auto}.chart-narrow{display:none}
@media (max-width:600px){.chart-wide{display:none}.chart-narrow{display:block}}
.chart text{font:11px system-ui,sans-serif;fill:#333}.chart .grid{stroke:#d0d0d0}.chart .tick,.chart .note{fill:${MUTED}}
details{margin:.3em 0 1em}summary{cursor:pointer;color:#0b57a4}
code{background:#f0f0f0;padding:0 3px;overflow-wrap:anywhere}`;
