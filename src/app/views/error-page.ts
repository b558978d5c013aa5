/** Every error page: status and a short message, never a stack trace. */
export const ERROR_PAGE = `<section class="error">
<h1><%= it.status %> <%= it.reason %></h1>
<p><%= it.message %></p>
<p><a href="/">Back to the front page</a></p>
</section>
`;
