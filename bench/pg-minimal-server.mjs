// The yardstick for the app on PostgreSQL, as bench/minimal-server.mjs is for SQLite: node:http +
// postgres (porsager) + the same template literal and the same two queries (prepared, pipelined,
// a pool of --pool connections, default 1 as the app's). Stage `single` on PostgreSQL should reach
// >= 80 % of it.
//   node bench/pg-minimal-server.mjs --port 8098 --db postgres://fk@127.0.0.1:PORT/flickr_killr [--pool 1]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { render } from './minimal-page.mjs';

const { values } = parseArgs({
  options: { port: { type: 'string' }, db: { type: 'string' }, pool: { type: 'string' } },
});
const sql = postgres(values.db, {
  max: Number(values.pool ?? 1),
  fetch_types: false,
  onnotice: () => {},
  connection: { search_path: 'flickr_killr' },
});
const USER_Q = 'SELECT id, name, display_name, bio, joined_at FROM users WHERE id = $1';
const PHOTOS_Q = 'SELECT id, user_id, title, taken_at, thumbnail FROM photos WHERE user_id = $1 ORDER BY id';

async function page(req, res) {
  const m = /^\/users\/(\d{1,9})$/.exec(req.url ?? '');
  const [u] = m ? await sql.unsafe(USER_Q, [Number(m[1])], { prepare: true }) : [];
  if (!u) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  const body = render(u, await sql.unsafe(PHOTOS_Q, [u.id], { prepare: true }));
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = createServer((req, res) => {
  page(req, res).catch(() => {
    res.writeHead(503, { 'Content-Type': 'text/plain' });
    res.end('database unavailable\n');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port ?? 8098), '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => sql.end({ timeout: 1 }).then(() => process.exit(0))));
