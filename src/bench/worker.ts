import { parentPort, workerData } from 'node:worker_threads';
import type { EngineSpec } from './engine.js';
import { runThread } from './thread.js';

/**
 * worker_threads entry: one engine with its own event loop and connections. Messages to the main
 * thread: {type:'first'} when it first sends, {type:'progress'} every 250 ms, {type:'done'} with
 * the recorder snapshot. The main thread sends 'stop' for Ctrl-C. Kept to light imports so a
 * worker starts sending within tens of milliseconds.
 */
const port = parentPort!;
const spec = (workerData as { spec: EngineSpec }).spec;
const thread = runThread(spec, {
  onProgress: (p) => port.postMessage({ type: 'progress', ...p }),
  onFirstSend: () => port.postMessage({ type: 'first' }),
});
port.on('message', (m) => {
  if (m === 'stop') thread.stop();
});
const snapshot = await thread.done;
port.postMessage({ type: 'done', snapshot });
port.close();
