/** The benchmarker's public API (the ladder and the CLI import from here). */
export type { BenchOptions, BenchResultCore, LatencySummary } from './api.js';
export { type Clock, FakeClock, realClock } from './clock.js';
export type { Connection, ConnectionSink, ErrorKind, Exchange, Transport } from './connection.js';
export { Histogram, type SerializedHistogram } from './histogram.js';
export { type ResolvedOptions, resolveOptions } from './options.js';
export { mergeSnapshots, type RecorderSnapshot } from './recorder.js';
export { type BenchResult, buildResult, parseResult, snapshotOf } from './result.js';
export { type BenchHooks, runBench } from './run.js';
export { Engine, type EngineSpec, runEngine } from './scheduler.js';
