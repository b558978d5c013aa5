/** The talk's page: one user's profile and every one of their photos (10–20 thumbnails). */
export const USER_PAGE = `<section class="profile">
<h1><%= it.user.displayName %></h1>
<p class="handle">@<%= it.user.name %> · joined <%= it.user.joinedAt.slice(0, 10) %></p>
<p class="bio"><%= it.user.bio %></p>
</section>
<ul class="photos">
<% for (const p of it.photos) { %>
<li><img src="/static/<%= p.thumbnail %>" width="75" height="75" alt="<%= p.title %>"><span class="title"><%= p.title %></span> <time datetime="<%= p.takenAt %>"><%= p.takenAt.slice(0, 10) %></time></li>
<% } %>
</ul>
<p class="count"><%= it.photos.length %> photos</p>
`;
