import { FkError } from '../errors.js';
import { LADDER_REPORT_VERSION, type LadderReport } from './report-types.js';

/**
 * A report.json read back (for `ladder compare`): checked for the fields the comparison reads, so
 * a wrong or damaged file is one clear E_BAD_REPORT line, not a TypeError deep in a renderer.
 * (The full JSON Schema check needs ajv, a dev dependency: the tests run it.)
 */
export function parseLadderReport(text: string, name: string): LadderReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FkError('E_BAD_REPORT', `${name} is not JSON`);
  }
  const r = doc as Partial<LadderReport> | null;
  if (r === null || typeof r !== 'object' || r.kind !== 'flickr-killr-ladder')
    throw new FkError(
      'E_BAD_REPORT',
      `${name} is not a flickr-killr ladder report (kind 'flickr-killr-ladder')`,
    );
  if (r.schemaVersion !== LADDER_REPORT_VERSION)
    throw new FkError(
      'E_BAD_REPORT',
      `${name} is a version ${String(r.schemaVersion)} report; this flickr-killr reads version ${LADDER_REPORT_VERSION}`,
    );
  if (!Array.isArray(r.runs) || typeof r.options !== 'object' || r.options === null)
    throw new FkError('E_BAD_REPORT', `${name} lacks its runs or options`);
  r.runs.forEach((run, i) => {
    const where = `${name}: run ${i + 1}`;
    if (typeof run?.id !== 'string' || typeof run.status !== 'string')
      throw new FkError('E_BAD_REPORT', `${where} has no id or status`);
    if (run.status === 'ok' && typeof run.bench?.rates?.pageViewsPerS !== 'number')
      throw new FkError('E_BAD_REPORT', `${where} (${run.id}) is ok but has no page views/s`);
  });
  return r as LadderReport;
}
