// Calibration for bench/generator-vs-wrk.sh: the least a Node load loop can do — raw net.Socket,
// one fixed request Buffer, a regex for Content-Length, no statistics. Its CPU per request is the
// floor for any Node generator on this machine (field notes: 9.7 µs, 3.0 µs with pipelining 10).
// With pipelining, every response parsed from one 'data' chunk is refilled by ONE write carrying
// all the freed requests (the depth stays constant): against an nginx that coalesces pipelined
// responses (tcp_nopush) that is ~1 read + 1 write per ~5 responses, ~3-4 µs per request; writing
// each refill on its own (the previous version) kept 1 write per response: ~6 µs there.
// An https:// URL runs the same loop over node:tls (certificate not verified: a calibration
// against our own self-signed nginx, bench/https-vs-wrk.sh).
// Usage: node bench/bench-minimal-loop.mjs URL CONNECTIONS PIPELINING SECONDS  (prints responses)
import net from 'node:net';
import tls from 'node:tls';

const [url = 'http://127.0.0.1:8080/', conns = '50', depth = '1', secs = '5'] = process.argv.slice(2);
const u = new URL(url);
const REQ = Buffer.from(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
// REFILL[k]: k requests back to back, written at once.
const REFILL = Array.from({ length: Number(depth) + 1 }, (_, k) => Buffer.concat(Array(k).fill(REQ)));
const end = Date.now() + Number(secs) * 1000;
let responses = 0;
let open = Number(conns);
for (let i = 0; i < Number(conns); i++) {
  const s =
    u.protocol === 'https:'
      ? tls.connect({ port: Number(u.port || 443), host: u.hostname, rejectUnauthorized: false })
      : net.connect({ port: Number(u.port || 80), host: u.hostname, noDelay: true });
  s.setNoDelay(true);
  let buf = null;
  s.on('data', (d) => {
    buf = buf ? Buffer.concat([buf, d]) : d;
    let done = 0;
    while (buf) {
      const h = buf.indexOf('\r\n\r\n');
      if (h < 0) break;
      const m = /content-length: *(\d+)/i.exec(buf.toString('latin1', 0, h));
      const total = h + 4 + Number(m ? m[1] : 0);
      if (buf.length < total) break;
      buf = buf.length === total ? null : buf.subarray(total);
      done++;
    }
    responses += done;
    if (Date.now() >= end) s.destroy();
    else if (done > 0) s.write(REFILL[done]);
  });
  s.on('close', () => {
    if (--open === 0) console.log(responses);
  });
  s.write(REFILL[Number(depth)]);
}
