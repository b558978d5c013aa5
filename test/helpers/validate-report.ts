import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

/** The ladder report's JSON Schema, compiled once per caller (ajv, draft-07). */
export const REPORT_SCHEMA = JSON.parse(
  readFileSync(new URL('../../schemas/ladder-report.schema.json', import.meta.url), 'utf8'),
);

export function reportValidator() {
  return new Ajv({ allErrors: true }).compile(REPORT_SCHEMA);
}
