import { FkError } from '../errors.js';
import { fleetSmokeCheck, type SmokeUser } from '../stages/fleet/smoke.js';

/**
 * The uptests of a new app process, straight at its own address and port (never through the
 * balancer, which does not know it yet), from the deploying machine as the fleet's readiness
 * checks are: first GET /healthz until it answers 200 (cheap, no database: "the process is up"),
 * then a real page — log in as a known user, GET their page, it must show their name, and every
 * static file it links must answer 200 (stages/fleet/smoke.ts). Every step is a line of output,
 * printed when a test fails.
 */
export interface UptestResult {
  ok: boolean;
  output: string[];
  ms: number;
}

export async function uptest(
  server: string,
  user: SmokeUser,
  o: { startTimeoutMs?: number; crashed?: () => Promise<string | undefined> } = {},
): Promise<UptestResult> {
  const t0 = performance.now();
  const base = `http://${server}`;
  const out: string[] = [];
  const deadline = Date.now() + (o.startTimeoutMs ?? 20_000);
  let last = '';
  let tries = 0;
  let nextCrashCheck = Date.now() + 3000;
  for (;;) {
    tries++;
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      const body = await r.text();
      if (r.status === 200) {
        out.push(
          `GET ${base}/healthz → 200 ${body.trim()} (after ${tries} tries, ${Math.round(performance.now() - t0)} ms)`,
        );
        break;
      }
      last = `${r.status} ${body.slice(0, 80).trim()}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      last = err.name === 'TimeoutError' ? 'timed out' : (err.cause?.code ?? err.message);
    }
    if (o.crashed !== undefined && Date.now() > nextCrashCheck) {
      nextCrashCheck = Date.now() + 3000;
      const why = await o.crashed().catch(() => undefined);
      if (why !== undefined) {
        out.push(`GET ${base}/healthz: ${last} — and the process is ${why}`);
        return { ok: false, output: out, ms: performance.now() - t0 };
      }
    }
    if (Date.now() > deadline) {
      out.push(
        `GET ${base}/healthz: no 200 within ${o.startTimeoutMs ?? 20_000} ms (${tries} tries, last: ${last})`,
      );
      return { ok: false, output: out, ms: performance.now() - t0 };
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  try {
    const r = await fleetSmokeCheck(base, user, 10_000);
    out.push(
      `user ${user.id}'s page shows ${user.names[0]}; its ${r.assets} static files answer 200 (${Math.round(r.ms)} ms)`,
    );
    return { ok: true, output: out, ms: performance.now() - t0 };
  } catch (e) {
    out.push(e instanceof FkError ? e.message : String(e));
    return { ok: false, output: out, ms: performance.now() - t0 };
  }
}
