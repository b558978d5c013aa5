import type { AppContext, RouteInput } from '../context.js';
import { page } from '../respond.js';
import type { AppResponse } from '../types.js';
import { lookupViewer } from '../viewer.js';

const FRONT_USERS = 24;

/** GET / : links to some users, so a browser (or a crawler) has somewhere to go. */
export async function frontPage(ctx: AppContext, input: RouteInput): Promise<AppResponse> {
  const who = await lookupViewer(ctx, input);
  const t0 = performance.now();
  const [users, count] = await Promise.all([ctx.store.someUsers(FRONT_USERS), ctx.store.userCount()]);
  const t1 = performance.now();
  const html = ctx.views.front(users, count, who.viewer);
  input.timing.db += t1 - t0;
  input.timing.render += performance.now() - t1;
  return page(input, who, html);
}
