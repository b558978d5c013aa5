import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import {
  formatCidr,
  gatewayOf,
  hostAddressOf,
  nameHash,
  overlaps,
  parseCidr,
  pickSubnet,
  takenPrefixes,
} from '../../../src/lab/subnet.js';

const routes = (name: string) => readFileSync(new URL(`../../fixtures/lab/${name}`, import.meta.url), 'utf8');

test('CIDR parsing and overlap', () => {
  assert.deepEqual(parseCidr('10.1.2.3/24'), { base: parseCidr('10.1.2.0/24')!.base, bits: 24 });
  assert.equal(formatCidr(parseCidr('10.1.2.3/24')!), '10.1.2.0/24');
  assert.equal(formatCidr(parseCidr('192.0.2.7')!), '192.0.2.7/32');
  for (const bad of ['10.1.2/24', '300.1.1.1', '10.0.0.0/33', 'fd00::/64', 'default'])
    assert.equal(parseCidr(bad), undefined);
  const c = (t: string) => parseCidr(t)!;
  assert.equal(overlaps(c('10.201.0.0/24'), c('10.0.0.0/8')), true);
  assert.equal(overlaps(c('10.201.0.0/24'), c('10.201.0.77/32')), true);
  assert.equal(overlaps(c('10.201.1.0/24'), c('10.201.0.0/24')), false);
  assert.equal(overlaps(c('10.201.0.0/24'), c('0.0.0.0/0')), true);
});

test('routes: destinations, gateways and sources; default and IPv6 skipped', () => {
  const taken = takenPrefixes(routes('routes-plain.json')).map(formatCidr);
  assert.deepEqual(taken, [
    '192.0.2.1/32',
    '192.0.2.0/24',
    '192.0.2.2/32',
    '127.0.0.0/8',
    '127.0.0.1/32',
    '192.0.2.255/32',
    '192.0.2.2/32',
  ]);
  assert.deepEqual(takenPrefixes('[]'), []);
  assert.throws(
    () => takenPrefixes('not json'),
    (e) => isFkError(e) && e.code === 'E_LAB_STEP_FAILED',
  );
});

test('on a plain machine the lab gets its hashed /24 of 10.201.0.0/16', () => {
  const s = pickSubnet('t1', takenPrefixes(routes('routes-plain.json')));
  assert.equal(formatCidr(s), `10.201.${nameHash('t1')}.0/24`);
  assert.equal(gatewayOf(s), `10.201.${nameHash('t1')}.1`);
  assert.equal(hostAddressOf(s, 0), `10.201.${nameHash('t1')}.11`);
  assert.equal(hostAddressOf(s, 5), `10.201.${nameHash('t1')}.16`);
});

test('a subnet that collides with any route is skipped, the next free one taken', () => {
  const taken = takenPrefixes(routes('routes-colliding.json'));
  // 10.201.0-127 (the /17), 128 (another lab's bridge), 129 (docker), 130 (a host route), 131 (local).
  for (const name of ['a', 'b', 'lab', 't1', 'x9']) {
    const s = pickSubnet(name, taken);
    assert.ok(!taken.some((t) => overlaps(t, s)), `${formatCidr(s)} collides`);
  }
  // A name whose hash lands in the taken range moves to the first free /24 after it.
  const name = [...'abcdefghijklmnopqrstuvwxyz'].find((ch) => nameHash(ch) < 128)!;
  assert.equal(formatCidr(pickSubnet(name, taken)), '10.201.132.0/24');
});

test('when 10/8 is all taken the lab falls back to 172.30.0.0/16; nothing free is E_LAB_NO_SUBNET', () => {
  const taken = takenPrefixes(routes('routes-all-10.json'));
  const s = pickSubnet('lab', taken);
  assert.match(formatCidr(s), /^172\.30\.(\d+)\.0\/24$/);
  assert.ok(Number(formatCidr(s).split('.')[2]) >= 128, 'not in the taken 172.30.0.0/17');
  assert.throws(
    () => pickSubnet('lab', [parseCidr('0.0.0.0/1')!, parseCidr('128.0.0.0/1')!]),
    (e) => isFkError(e) && e.code === 'E_LAB_NO_SUBNET',
  );
});
