// The yardstick for stage `single`: the smallest reasonable node:http + better-sqlite3 +
// template-literal page server (field notes: ~21k pages/s on one process here). Plain ESM, so it
// runs compiled-equivalent like dist/ does, without tsx in the way.
//   node bench/minimal-server.mjs --port 8099 --db data/flickr-killr.db
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { render } from './minimal-page.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' }, db: { type: 'string' } } });
const db = new Database(values.db ?? 'data/flickr-killr.db', { fileMustExist: true });
const userQ = db.prepare('SELECT id, name, display_name, bio, joined_at FROM users WHERE id = ?');
const photosQ = db.prepare(
  'SELECT id, user_id, title, taken_at, thumbnail FROM photos WHERE user_id = ? ORDER BY id',
);

const server = createServer((req, res) => {
  const m = /^\/users\/(\d{1,9})$/.exec(req.url ?? '');
  const u = m ? userQ.get(Number(m[1])) : undefined;
  if (!u) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  const body = render(u, photosQ.all(u.id));
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port ?? 8099), '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
