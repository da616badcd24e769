// The module SDK: the only import a module may make from the core. In-tree
// modules import this file; a module outside the repo imports it as `mgrd/module`
// (package.json "exports"). Nothing here imports the core: the SDK is its own layer.

export { MgrModule, MgrModuleBase, MgrStandbyModule } from './mgr-module.js';
export type { ModuleClass } from './mgr-module.js';
export type { ModuleContext } from './context.js';
export type * from './types.js';
export type * from './map-types.js';
export type * from './mgr-map-types.js';
export type { HealthCheck, HealthCheckMap, HealthReport, HealthSeverity, HealthStatus } from './health.js';
export { healthCheck } from './health.js';
export { Errno } from './errno.js';
export { NotReadyError, isNotReady } from './errors.js';
export type { ErrnoName } from './errno.js';
export {
  PERFCOUNTER_COUNTER, PERFCOUNTER_HISTOGRAM, PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME, PERFCOUNTER_U64,
  PRIO_CRITICAL, PRIO_DEBUGONLY, PRIO_INTERESTING, PRIO_UNINTERESTING, PRIO_USEFUL,
} from './perf-types.js';
export { PushLoop } from './push-loop.js';
export type { PushHost, PushLoopOptions } from './push-loop.js';
export type { QueueUnits } from './push-queue.js';
export { PushError, DEFAULT_RETRY, backoffDelayMs, parseRetryAfter } from './push-retry.js';
export type { PushErrorOptions, RetryPolicy } from './push-retry.js';
export { Slicer, CHECK_EVERY } from './slicer.js';
export type { SliceClock } from './slicer.js';
export { listenOn, listenerOptions } from './listen.js';
export type { ListenerOptionsSpec } from './listen.js';
export { checkCertPair, createSelfSignedCert } from './tls-cert.js';
export type { PemPair, SelfSignedOptions } from './tls-cert.js';
export type { Logger } from 'pino';
