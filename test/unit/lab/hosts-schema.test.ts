import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { defaultLabHosts, renderHostsYaml } from '../../../src/lab/default-hosts.js';
import { validateHostsFile } from '../../../src/lab/hosts-file.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/hosts.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv({ allErrors: true }).compile(schema);
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/lab/${name}`, import.meta.url), 'utf8');

test('the example hosts files validate against schemas/hosts.schema.json', () => {
  for (const f of ['hosts-lab.yaml', 'hosts-real.yaml']) {
    assert.equal(validate(parse(fixture(f))), true, `${f}: ${JSON.stringify(validate.errors, null, 2)}`);
  }
});

test('the file lab up writes for the default lab validates too', () => {
  for (const n of [1, 2, 5]) {
    const text = renderHostsYaml(defaultLabHosts(n));
    assert.equal(validate(parse(text)), true, JSON.stringify(validate.errors));
  }
});

test('schema and parser agree on what is wrong, host by host', () => {
  // Each entry of the bad fixture on its own: the schema refuses it exactly when the parser does.
  const bad = parse(fixture('hosts-bad.yaml')) as { hosts: unknown[] };
  for (const host of bad.hosts) {
    const doc = { hosts: [host] };
    const parserOk = validateHostsFile(JSON.stringify(doc), '/').problems.length === 0;
    // The 1M lab host is refused by the parser only (a size string's magnitude is beyond a schema).
    const schemaOk = validate(doc);
    if ((host as { memory?: string }).memory === '1M') assert.equal(parserOk, false);
    else assert.equal(schemaOk, parserOk, `${JSON.stringify(host)}: schema ${schemaOk}, parser ${parserOk}`);
  }
  const good = parse(fixture('hosts-lab.yaml')) as { hosts: unknown[] };
  for (const host of good.hosts) assert.equal(validate({ hosts: [host] }), true);
});

test('the schema keeps link off real machines and ssh off lab hosts', () => {
  assert.equal(
    validate({ hosts: [{ name: 'a', roles: ['app'], address: '192.0.2.1', link: '1gbit' }] }),
    false,
  );
  assert.equal(
    validate({ hosts: [{ name: 'a', roles: ['app'], cpu: 1, memory: '1G', ssh: { port: 22 } }] }),
    false,
  );
  assert.equal(
    validate({ hosts: [{ name: 'a', roles: ['app'], cpu: 1 }] }),
    false,
    'a lab host needs memory',
  );
  assert.equal(validate({ hosts: [{ name: 'a', roles: ['app'], address: 'h.example' }] }), true);
});
