import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { FakeClock } from '../../../src/bench/clock.js';
import { runEngine } from '../../../src/bench/engine.js';
import { resolveOptions } from '../../../src/bench/options.js';
import { mergeSnapshots } from '../../../src/bench/recorder.js';
import { combineRuns } from '../../../src/bench/repeat.js';
import { buildResult, parseResult, snapshotOf } from '../../../src/bench/result.js';
import { splitWork } from '../../../src/bench/run.js';
import { renderCompare, renderSummary } from '../../../src/report/bench-text.js';
import { fakeTransport } from '../../helpers/fake-transport.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/bench-result.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv({ allErrors: true, validateFormats: false }).compile(schema);
const meta = {
  startedAt: new Date(0),
  cpu: { user: 2e6, system: 1e6 },
  wallMs: 10_000,
  firstRequestMs: 3,
  cores: 2,
};

async function snapshot(us: number, elu: number, core = 0.5) {
  const clock = new FakeClock();
  const opts = resolveOptions({
    urls: ['http://127.0.0.1:1/'],
    connections: 2,
    threads: 1,
    durationMs: 10_000,
  });
  const e = runEngine({ opts, users: 2, seed: 1 }, clock, fakeTransport(clock, () => ({ us })).transport);
  clock.run();
  const s = await e.done;
  s.elu = [elu];
  s.threadCpu = [core];
  return { s, opts };
}

test('a result from virtual time: rates, exact percentiles, CPU per request, schema-valid', async () => {
  const { s, opts } = await snapshot(500, 0.5);
  const r = buildResult(s, opts, meta);
  assert.equal(r.totals.requests, 2 * 19_999);
  assert.equal(r.durationS, 10);
  assert.equal(r.rates.requestsPerS, 3999.8);
  assert.equal(r.latency.p99, 500);
  assert.deepEqual(Object.keys(r.classes), ['url']);
  assert.equal(r.generator.cpuPerRequestUs, Math.round((3e6 / 39_998) * 100) / 100);
  assert.equal(r.generator.saturated, false);
  assert.ok(validate(JSON.parse(JSON.stringify(r))), JSON.stringify(validate.errors));
  assert.match(renderSummary(r), /requests\/s\s+4,000/);
});

test('self-check: a thread whose event loop was >= 90% busy marks the result saturated', async () => {
  const { s, opts } = await snapshot(500, 0.95);
  const r = buildResult(s, opts, meta);
  assert.equal(r.generator.saturated, true);
  assert.match(r.generator.warnings[0]!, /95% busy/);
  assert.match(renderSummary(r), /WARNING: thread 1/);
  const busyCore = buildResult((await snapshot(500, 0.5, 0.97)).s, opts, meta);
  assert.equal(busyCore.generator.saturated, true);
  assert.match(busyCore.generator.warnings[0]!, /97% of a core/);
  assert.match(renderSummary(busyCore), /50% busy, 97% of a core/);
});

test('results merge exactly through their stored histograms; compare shows the change', async () => {
  const a = await snapshot(500, 0.1);
  const b = await snapshot(1000, 0.1);
  const ra = buildResult(a.s, a.opts, meta);
  const rb = buildResult(b.s, b.opts, meta);
  const merged = mergeSnapshots([snapshotOf(ra), snapshotOf(rb)]);
  assert.equal(merged.requests, ra.totals.requests + rb.totals.requests);
  assert.equal(merged.latency.count, merged.requests);
  assert.equal(merged.latency.min, 500);
  assert.equal(merged.latency.max, 1000);
  const text = renderCompare(ra, rb, 'a.json', 'b.json');
  assert.match(text, /latency p50\s+500µs\s+1\.00ms\s+\+100\.0%/);
  assert.deepEqual(parseResult(JSON.stringify(ra), 'x').totals, ra.totals);
  assert.throws(() => parseResult('[]', 'x'), { code: 'E_BAD_RESULT' });
  assert.throws(() => parseResult('not json', 'x'), { code: 'E_BAD_RESULT' });
});

test('work is split over threads by users; rate and count follow exactly', () => {
  const o = resolveOptions({ urls: ['http://h/'], connections: 5, threads: 2, rate: 1000, count: 101 });
  const specs = splitWork(o);
  assert.deepEqual(
    specs.map((s) => [s.users, s.rate, s.count]),
    [
      [3, 600, 61],
      [2, 400, 40],
    ],
  );
  assert.notEqual(specs[0]!.seed, specs[1]!.seed);
  assert.equal(resolveOptions({ urls: ['http://h/'], connections: 1, threads: 8 }).threads, 1);
});

test('--repeat merge: windows add up (rates over the whole time), spread per headline figure, schema-valid', async () => {
  const runs = [];
  for (const us of [500, 1000, 250]) {
    const x = await snapshot(us, 0.2);
    runs.push(buildResult(x.s, x.opts, meta));
  }
  const opts = { urls: ['http://127.0.0.1:1/'], connections: 2, threads: 1, durationMs: 10_000 };
  const m = combineRuns(opts, runs);
  assert.equal(m.durationS, 30);
  assert.equal(
    m.totals.requests,
    runs.reduce((a, r) => a + r.totals.requests, 0),
  );
  assert.equal(m.rates.requestsPerS, Math.round((m.totals.requests / 30) * 10) / 10);
  assert.equal(m.latency.min, 250);
  assert.equal(m.latency.max, 1000);
  assert.deepEqual(m.repeat!.figures.latencyP99, { median: 500, min: 250, max: 1000 });
  assert.deepEqual(m.repeat!.figures.requestsPerS, {
    median: runs[0]!.rates.requestsPerS,
    min: runs[1]!.rates.requestsPerS,
    max: runs[2]!.rates.requestsPerS,
  });
  assert.equal(m.repeat!.runs.length, 3);
  assert.deepEqual(m.generator.elu, [0.2], 'one thread: its busiest run, not three threads');
  assert.equal(m.generator.cpuUserS, 6);
  assert.ok(validate(JSON.parse(JSON.stringify(m))), JSON.stringify(validate.errors));
});

test('a result written before HTTPS and retries existed still merges (read as none of either)', async () => {
  const { s, opts } = await snapshot(500, 0.1);
  const r = JSON.parse(JSON.stringify(buildResult(s, opts, meta)));
  delete r.totals.retriedOnStaleConnection;
  delete r.histograms.tlsHandshake;
  delete r.options.insecure;
  assert.ok(validate(r), JSON.stringify(validate.errors));
  const back = snapshotOf(parseResult(JSON.stringify(r), 'old.json'));
  assert.equal(back.retriedOnStaleConnection, 0);
  assert.equal(back.tlsHandshake.count, 0);
  assert.equal(buildResult(back, opts, meta).tls, undefined, 'no tls section for http://');
});
