// The page both yardsticks render (bench/minimal-server.mjs on SQLite, bench/pg-minimal-server.mjs
// on PostgreSQL): the same markup as the app's user page, escaped as eta escapes, with a template
// literal — the smallest reasonable render, so the comparison measures the app's overhead.
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s) => {
  const str = String(s);
  return /[&<>"']/.test(str) ? str.replace(/[&<>"']/g, (c) => ESC[c]) : str;
};

export function render(u, photos) {
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
