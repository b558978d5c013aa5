/** Front page: a few users to start browsing from. */
export const FRONT_PAGE = `<h1>Flickr Killr</h1>
<p class="intro"><%= it.userCount.toLocaleString('en-US') %> users and their photos.</p>
<ul class="users">
<% for (const u of it.users) { %>
<li><a href="/users/<%= u.id %>"><%= u.displayName %></a> <span class="handle">@<%= u.name %></span></li>
<% } %>
</ul>
`;
