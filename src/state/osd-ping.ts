// What an OSD reports beside its usage: its objectstore's alerts (os_alerts:
// BLUESTORE_SPURIOUS_READ_ERRORS...), checked here at ingest, kept per OSD,
// read by the health checks (health-osd-stat.ts). Its heartbeat ping times
// (osd_stat_t's hb_pingtime, `network_ping_times`) are checked and kept
// packed by protocol/ping-times.ts, re-exported here.

export type { PeerPingTimes } from '../protocol/messages.js';
export { MAX_PING_PEERS, checkPingTimes, ctimeString, parseCtime } from '../protocol/ping-times.js';

/** Alerts one OSD's store may raise, and the longest message kept. */
export const MAX_OS_ALERTS = 32;
const MAX_ALERT_CHARS = 1024;

export class OsdExtrasError extends Error {}

/** Checks an osd_stat's alerts ({"BLUESTORE_SPURIOUS_READ_ERRORS": "Detected 3 spurious read errors"}). */
export function checkOsAlerts(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OsdExtrasError('osd_stat.alerts must be an object of alert name -> message');
  const out: Record<string, string> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > MAX_OS_ALERTS) throw new OsdExtrasError(`osd_stat.alerts: at most ${MAX_OS_ALERTS} alerts`);
  for (const [name, msg] of entries) {
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(name)) throw new OsdExtrasError(`osd_stat.alerts: bad alert name ${JSON.stringify(name.slice(0, 80))}`);
    if (typeof msg !== 'string' || msg.length > MAX_ALERT_CHARS) throw new OsdExtrasError(`osd_stat.alerts.${name} must be a string of at most ${MAX_ALERT_CHARS} characters`);
    out[name] = msg;
  }
  return out;
}
