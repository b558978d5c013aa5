/** The benchmarker's public API (the ladder, the capacity command and the CLI import from here). */
export type { BenchOptions, BenchResultCore, LatencySummary } from './api.js';
export { type Clock, FakeClock, realClock } from './clock.js';
export { Engine, type EngineSpec, runEngine } from './engine.js';
export { extractAssets, extractPageAssets, type PageAsset } from './extract-assets.js';
export { bucketRange, Histogram, type SerializedHistogram } from './histogram.js';
export { type ResolvedOptions, resolveOptions } from './options.js';
export { mergeSnapshots, type RecorderSnapshot } from './recorder.js';
export { combineRuns, headlineFigures, type RepeatSummary, runBenchRepeated, type Spread } from './repeat.js';
export { type BenchResult, buildResult, parseResult, snapshotOf } from './result.js';
export { type BenchHooks, runBench } from './run.js';
export { tcpTransport } from './tcp-transport.js';
export {
  checkThresholds,
  checkThresholdsMedian,
  failedRequests,
  parseThresholds,
  runFailure,
  type Threshold,
  type ThresholdResult,
} from './thresholds.js';
export type {
  Connection,
  ConnectionSink,
  ErrorKind,
  Exchange,
  TlsSessionSlot,
  Transport,
} from './transport.js';
