import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOTTLENECK_CODES } from '../../../src/report/report-types.js';
import { sampleReport } from '../../helpers/report-fixture.js';
import { REPORT_SCHEMA as schema, reportValidator as validator } from '../../helpers/validate-report.js';

test('a constructed report validates against schemas/ladder-report.schema.json', () => {
  const validate = validator();
  const ok = validate(JSON.parse(JSON.stringify(sampleReport())));
  assert.equal(ok, true, JSON.stringify(validate.errors, null, 2));
});

test('the schema rejects an ok run without its bench figures, and an unknown verdict', () => {
  const validate = validator();
  const r = sampleReport();
  delete r.runs[0]!.bench;
  assert.equal(validate(r), false);
  const r2 = sampleReport() as unknown as { runs: Array<{ diagnosis?: { bottleneck: string } }> };
  r2.runs[1]!.diagnosis!.bottleneck = 'gremlins';
  assert.equal(validate(r2), false);
});

test('a skipped or failed run needs its reason', () => {
  const validate = validator();
  const r = sampleReport();
  delete r.runs[4]!.reason;
  assert.equal(validate(r), false);
});

test('the schema lists exactly the verdicts diagnose() can reach', () => {
  assert.deepEqual(schema.definitions.diagnosis.properties.bottleneck.enum, [...BOTTLENECK_CODES]);
});
