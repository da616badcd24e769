// The module SDK: the only import a module may make from the core.

export { MgrModule, MgrModuleBase, MgrStandbyModule, PRIO_CRITICAL, PRIO_DEBUGONLY, PRIO_INTERESTING, PRIO_UNINTERESTING, PRIO_USEFUL } from './mgr-module.js';
export type { ModuleClass } from './mgr-module.js';
export type { ModuleContext } from './context.js';
export type * from './types.js';
export { Errno } from '../common/errno.js';
export { healthCheck } from '../state/health-types.js';
export {
  PERFCOUNTER_COUNTER, PERFCOUNTER_HISTOGRAM, PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME, PERFCOUNTER_U64,
} from '../state/perf-types.js';
export { PushLoop } from './push-loop.js';
export type { PushHost, PushLoopOptions } from './push-loop.js';
export { PushError, DEFAULT_RETRY, backoffDelayMs, parseRetryAfter } from './push-retry.js';
export type { PushErrorOptions, RetryPolicy } from './push-retry.js';
export { Slicer, CHECK_EVERY } from './slicer.js';
export { listenOn } from './listen.js';
export type { Logger } from '../common/log.js';
export { checkCertPair, createSelfSignedCert } from './tls-cert.js';
export type { PemPair, SelfSignedOptions } from './tls-cert.js';
