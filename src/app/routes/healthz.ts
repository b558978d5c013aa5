import type { AppContext, RouteInput } from '../context.js';
import type { AppResponse } from '../types.js';

/**
 * GET /healthz: "this process is up and its handler runs" — cheap on purpose: no database, no
 * session store, so a deploy's first uptest step (deploy/uptest.ts) and a balancer's probe cost
 * nothing and never wait on a backend. Whether the backends answer is the uptest's next step:
 * a real page of a known user, with every asset it links.
 */
export async function healthz(_ctx: AppContext, _input: RouteInput): Promise<AppResponse> {
  return {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: 'ok\n',
  };
}
