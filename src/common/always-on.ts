// Ceph's always-on manager modules (MgrMap.always_on_modules, per release): they
// run whether or not `mgr module enable` named them, `mgr module ls` lists them
// apart, and `mgr module disable` refuses them (MgrMonitor, Pacific).

/** The release whose always-on list applies: mgrd speaks Pacific. */
export const MGR_RELEASE = 'pacific';

/**
 * Those of Ceph Pacific's always-on modules (balancer, crash, devicehealth, orchestrator, pg_autoscaler,
 * progress, rbd_support, status, telemetry, volumes) that mgrd ships; a new cluster's map lists them.
 */
export const ALWAYS_ON_MODULES: readonly string[] = ['crash', 'devicehealth'];

/** The map's always-on modules for this release, sorted. */
export function alwaysOnModules(map: { readonly always_on_modules: Readonly<Record<string, readonly string[]>> }): string[] {
  return [...(map.always_on_modules[MGR_RELEASE] ?? [])].sort();
}

/** What the manager runs: the enabled modules and the always-on ones, sorted. */
export function runningModules(map: { readonly always_on_modules: Readonly<Record<string, readonly string[]>>; readonly modules: readonly string[] }): string[] {
  return [...new Set([...map.modules, ...alwaysOnModules(map)])].sort();
}
