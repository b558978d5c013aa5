import { performance } from 'node:perf_hooks';
import { clockTicksPerSecond, threadCpuTicks } from '../proc/stat.js';
import { realClock } from './clock.js';
import { type EngineHooks, type EngineSpec, runEngine } from './engine.js';
import type { RecorderSnapshot } from './recorder.js';
import { tcpTransport } from './tcp-transport.js';

/**
 * Runs one thread's engine on real time and real sockets, and measures how busy this thread's
 * event loop was (perf_hooks ELU) and how much of a core it used (/proc/thread-self): a loop
 * ~90%+ busy means the generator, not the server, set the pace — the self-check no common load
 * tool does (field notes).
 */
export function runThread(
  spec: EngineSpec,
  hooks: EngineHooks,
): { done: Promise<RecorderSnapshot>; stop: () => void } {
  const o = spec.opts;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = threadCpuTicks();
  const t0 = performance.now();
  const transport = tcpTransport(realClock, {
    maxBodyBytes: o.maxBodyBytes,
    validators: o.cache,
    insecure: o.insecure,
  });
  const engine = runEngine(spec, realClock, transport, hooks);
  const done = engine.done.then((snapshot) => {
    snapshot.elu = [performance.eventLoopUtilization(elu0).utilization];
    const cpu1 = threadCpuTicks();
    const wallS = (performance.now() - t0) / 1000;
    // Share of one core this thread used over its run (-1 where /proc/thread-self is missing).
    snapshot.threadCpu = [
      cpu0 === undefined || cpu1 === undefined || wallS <= 0
        ? -1
        : (cpu1 - cpu0) / clockTicksPerSecond() / wallS,
    ];
    return snapshot;
  });
  return { done, stop: () => engine.stop() };
}
