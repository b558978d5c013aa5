// The yardstick for stage `single`: the smallest reasonable node:http + better-sqlite3 +
// template-literal page server (field notes: ~21k pages/s on one process here). Plain ESM, so it
// runs compiled-equivalent like dist/ does, without tsx in the way.
//   node bench/minimal-server.mjs --port 8099 --db data/flickr-killr.db
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values } = parseArgs({ options: { port: { type: 'string' }, db: { type: 'string' } } });
const db = new Database(values.db ?? 'data/flickr-killr.db', { fileMustExist: true });
const userQ = db.prepare('SELECT id, name, display_name, bio, joined_at FROM users WHERE id = ?');
const photosQ = db.prepare(
  'SELECT id, user_id, title, taken_at, thumbnail FROM photos WHERE user_id = ? ORDER BY id',
);

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s) => {
  const str = String(s);
  return /[&<>"']/.test(str) ? str.replace(/[&<>"']/g, (c) => ESC[c]) : str;
};

function render(u, photos) {
  let items = '';
  for (const p of photos) {
    items += `<li><img src="/static/${esc(p.thumbnail)}" width="75" height="75" alt="${esc(p.title)}"><span class="title">${esc(p.title)}</span> <time datetime="${esc(p.taken_at)}">${esc(p.taken_at.slice(0, 10))}</time></li>\n`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(u.display_name)} · Flickr Killr</title>
<link rel="stylesheet" href="/static/site.css"><script src="/static/site.js" defer></script></head>
<body><header class="top"><a href="/"><img src="/static/logo.svg" alt="Flickr Killr"></a></header>
<main><section class="profile"><h1>${esc(u.display_name)}</h1>
<p class="handle">@${esc(u.name)} · joined ${esc(u.joined_at.slice(0, 10))}</p><p class="bio">${esc(u.bio)}</p></section>
<ul class="photos">
${items}</ul><p class="count">${photos.length} photos</p></main></body></html>
`;
}

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
