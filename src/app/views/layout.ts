/**
 * The page shell. It references the stylesheet, the script and the logo with ordinary tags, as
 * the talk's page "includes several static files": a browser (and `bench --page`) fetches them.
 * Paths are absolute and versionless (`$uri` in nginx's memcached key ignores query strings).
 */
export const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · Flickr Killr</title>
<link rel="stylesheet" href="/static/site.css">
<script src="/static/site.js" defer></script>
</head>
<body>
<header class="top">
<a class="brand" href="/"><img src="/static/logo.svg" alt="Flickr Killr" width="160" height="40"></a>
<% if (it.viewer) { %>
<span class="who" data-user-id="<%= it.viewer.id %>">Logged in as <a href="/users/<%= it.viewer.id %>"><%= it.viewer.displayName %></a></span>
<form class="logout" method="post" action="/logout"><button type="submit">Log out</button></form>
<% } else { %>
<form class="login" method="post" action="/login"><input name="user" placeholder="user id or name" required><button type="submit">Log in</button></form>
<% } %>
</header>
<main>
<%~ it.body %>
</main>
<footer>Flickr Killr · after "Scaling Python for High-Load Web Sites", PyCon 2007</footer>
</body>
</html>
`;
