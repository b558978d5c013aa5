// Calibration for bench/generator-vs-wrk.sh: the least a Node load loop can do — raw net.Socket,
// one fixed request Buffer, a regex for Content-Length, no statistics. Its CPU per request is the
// floor for any Node generator on this machine (field notes: 9.7 µs, 3.0 µs with pipelining 10).
// Usage: node bench/bench-minimal-loop.mjs URL CONNECTIONS PIPELINING SECONDS  (prints responses)
import net from 'node:net';

const [url = 'http://127.0.0.1:8080/', conns = '50', depth = '1', secs = '5'] = process.argv.slice(2);
const u = new URL(url);
const REQ = Buffer.from(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
const end = Date.now() + Number(secs) * 1000;
let responses = 0;
let open = Number(conns);
for (let i = 0; i < Number(conns); i++) {
  const s = net.connect({ port: Number(u.port || 80), host: u.hostname, noDelay: true });
  let buf = null;
  s.on('data', (d) => {
    buf = buf ? Buffer.concat([buf, d]) : d;
    for (;;) {
      const h = buf.indexOf('\r\n\r\n');
      if (h < 0) return;
      const m = /content-length: *(\d+)/i.exec(buf.toString('latin1', 0, h));
      const total = h + 4 + Number(m ? m[1] : 0);
      if (buf.length < total) return;
      buf = buf.length === total ? null : buf.subarray(total);
      responses++;
      if (Date.now() < end) s.write(REQ);
      else {
        s.destroy();
        return;
      }
      if (!buf) return;
    }
  });
  s.on('close', () => {
    if (--open === 0) console.log(responses);
  });
  for (let k = 0; k < Number(depth); k++) s.write(REQ);
}
