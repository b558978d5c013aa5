import type { AppContext, RouteInput } from '../context.js';
import { notFound } from '../http-error.js';
import { parseUserId } from '../request-path.js';
import { page } from '../respond.js';
import type { AppResponse } from '../types.js';
import { lookupViewer } from '../viewer.js';

/**
 * GET /users/:id — the page the talk benchmarks: session, user, all their photos (the query that
 * needs the photos.user_id index), rendered with a template.
 */
export async function userPage(ctx: AppContext, input: RouteInput): Promise<AppResponse> {
  const id = parseUserId(input.path.slice('/users/'.length));
  const who = await lookupViewer(ctx, input);
  const t0 = performance.now();
  const user = await ctx.store.getUser(id);
  if (user === undefined) {
    input.timing.db += performance.now() - t0;
    throw notFound('No such user.');
  }
  const photos = await ctx.store.photosOf(id);
  const t1 = performance.now();
  const html = ctx.views.user(user, photos, who.viewer);
  input.timing.db += t1 - t0;
  input.timing.render += performance.now() - t1;
  return page(input, who, html);
}
