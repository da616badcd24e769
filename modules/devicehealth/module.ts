// devicehealth: Ceph's device health module, its health half. Every
// sleep_interval it reads the devices the manager knows (get('devices'), with
// the life expectancy a predictor set through `device set-life-expectancy`)
// and raises, with Ceph's wording:
// - DEVICE_HEALTH: devices expected to fail within warn_threshold;
// - DEVICE_HEALTH_IN_USE: OSDs on a device expected to fail within
//   mark_out_threshold that are out but still hold PGs;
// - DEVICE_HEALTH_TOOMANY: marking those OSDs out would bring the "in" ratio
//   under mon_osd_min_in_ratio.
// With self_heal it marks such OSDs out (`osd out`, answered by the cluster
// source) while the ratio allows. SMART scraping is not done (no daemon of
// mgrd answers `smart`).

import { MgrModule, type CmdMap, type CommandReturn, type HealthCheckMap, type ModuleCommand, type ModuleOption } from '../../src/mgr-module/index.js';

const DEVICE_HEALTH = 'DEVICE_HEALTH';
const DEVICE_HEALTH_IN_USE = 'DEVICE_HEALTH_IN_USE';
const DEVICE_HEALTH_TOOMANY = 'DEVICE_HEALTH_TOOMANY';
const MESSAGES: Record<string, string> = {
  [DEVICE_HEALTH]: '%d device(s) expected to fail soon',
  [DEVICE_HEALTH_IN_USE]: '%d daemon(s) expected to fail soon and still contain data',
  [DEVICE_HEALTH_TOOMANY]: 'Too many daemons are expected to fail soon',
};
/** mon_osd_min_in_ratio's default, when the manager's config has none. */
const MIN_IN_RATIO = 0.75;

interface Device {
  devid: string;
  location: Array<{ host: string; dev: string }>;
  daemons: string[];
  life_expectancy_max?: string;
}

/** A utime_t as dumped ("2026-12-06T10:00:00.000000+0000"), in Unix seconds. */
function utimeS(s: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})([+-]\d{4}|Z)$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  let ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  const z = m[8]!;
  if (z !== 'Z') ms -= (z.startsWith('-') ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
  return ms / 1000 + Number(`0.${m[7]!}`);
}

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'device check-health', desc: 'Check life expectancy of devices', perm: 'rw' },
    { cmd: 'device monitoring on', desc: 'Enable device health monitoring', perm: 'rw' },
    { cmd: 'device monitoring off', desc: 'Disable device health monitoring', perm: 'rw' },
  ];

  static override MODULE_OPTIONS: readonly ModuleOption[] = [
    { name: 'enable_monitoring', type: 'bool', default: true, desc: 'monitor device health metrics' },
    { name: 'mark_out_threshold', type: 'secs', default: 86400 * 14 * 2, min: 0, desc: 'automatically mark OSD if it may fail before this long' },
    { name: 'warn_threshold', type: 'secs', default: 86400 * 14 * 6, min: 0, desc: 'raise health warning if OSD may fail before this long' },
    { name: 'self_heal', type: 'bool', default: true, desc: 'preemptively heal cluster around devices that may fail' },
    { name: 'sleep_interval', type: 'secs', default: 600, min: 1, desc: 'how frequently to wake up and check device health' },
  ];


  override async serve(): Promise<void> {
    while (!this.signal.aborted) {
      if (this.getModuleOption<boolean>('enable_monitoring', true)) {
        try {
          await this.checkHealth();
        } catch (err) {
          // Before the first maps arrive get() has nothing to read: the next round tries again.
          this.log.debug({ err: (err as Error).message }, 'device health check skipped');
        }
      }
      await this.waitS(Number(this.getModuleOption<number>('sleep_interval', 600)) || 60);
    }
  }

  override configNotify(): void {
    this.wakeUp();
  }

  /** Ceph's check_health, from get('devices'), the osd map and the OSDs' PG counts. */
  private async checkHealth(): Promise<void> {
    const markOutS = Number(this.getModuleOption<number>('mark_out_threshold', 86400 * 28));
    const warnS = Number(this.getModuleOption<number>('warn_threshold', 86400 * 84));
    const selfHeal = this.getModuleOption<boolean>('self_heal', true);
    const cfgRatio = Number(this.get('config').mon_osd_min_in_ratio);
    const minInRatio = Number.isFinite(cfgRatio) && cfgRatio > 0 ? cfgRatio : MIN_IN_RATIO;
    const osdMap = this.get('osd_map');
    const isIn = new Map<string, boolean>(osdMap.osds.map((o) => [String(o.osd), o.in === 1] as const));
    const nowS = Date.now() / 1000;
    const warnings: Record<string, string[]> = { [DEVICE_HEALTH]: [], [DEVICE_HEALTH_IN_USE]: [] };
    const osdsIn = new Map<string, number>();
    const osdsOut = new Set<string>();
    for (const dev of this.get('devices').devices as Device[]) {
      if (dev.life_expectancy_max === undefined || dev.daemons.length === 0 || dev.life_expectancy_max === '0.000000') continue;
      const max = utimeS(dev.life_expectancy_max);
      if (max === undefined) continue;
      if (max - nowS <= markOutS && selfHeal) {
        for (const d of dev.daemons.filter((x) => x.startsWith('osd.'))) {
          const id = d.slice(4);
          if (isIn.get(id)) osdsIn.set(id, max);
          else osdsOut.add(id);
        }
      }
      if (max - nowS <= warnS) {
        const where = dev.location.map((l) => `${l.host}:${l.dev}`).join(',');
        warnings[DEVICE_HEALTH]!.push(`${dev.devid} (${where}); daemons ${dev.daemons.join(',')}; life expectancy between ${dev.life_expectancy_max} and ${dev.life_expectancy_max}`);
      }
    }
    // The brief rows carry the same num_pgs: get('osd_stats') builds every OSD's ping times and
    // pool_statfs too, 400-540 ms in one call at 10,000 OSDs (osd_stats_brief: 6-30 ms).
    const numPgs = new Map<string, number>(this.get('osd_stats_brief').osd_stats.map((s) => [String(s.osd), s.num_pgs] as const));
    for (const id of osdsOut) {
      const n = numPgs.get(id) ?? -1;
      if (n > 0) warnings[DEVICE_HEALTH_IN_USE]!.push(`osd.${id} is marked out but still has ${n} PG(s)`);
    }
    const checks: HealthCheckMap = {};
    if (osdsIn.size > 0) {
      const numOsds = osdMap.osds.length;
      const numIn = osdMap.osds.filter((o) => o.in === 1).length;
      const bad = [...osdsIn].sort((a, b) => a[1] - b[1]);
      const toMarkOut: string[] = [];
      for (const [id] of bad) {
        if ((numIn - toMarkOut.length - 1) / numOsds < minInRatio) {
          const finalRatio = (numIn - bad.length) / numOsds;
          checks[DEVICE_HEALTH_TOOMANY] = {
            severity: 'HEALTH_WARN',
            summary: { message: MESSAGES[DEVICE_HEALTH_TOOMANY]!, count: 1 },
            detail: [{ message: `${bad.length - toMarkOut.length} OSDs with failing device(s) would bring "in" ratio to ${finalRatio.toFixed(6)} < mon_osd_min_in_ratio ${minInRatio.toFixed(6)}` }],
          };
          break;
        }
        toMarkOut.push(id);
      }
      if (toMarkOut.length > 0) {
        this.log.info({ osds: toMarkOut }, 'marking out OSDs on failing devices');
        const [r, , outs] = await this.runCommand({ prefix: 'osd out', ids: toMarkOut });
        if (r !== 0) this.log.warn({ osds: toMarkOut, r, outs }, 'could not mark OSDs out');
      }
    }
    for (const [code, ls] of Object.entries(warnings)) {
      if (ls.length > 0) checks[code] = { severity: 'HEALTH_WARN', summary: { message: MESSAGES[code]!.replace('%d', String(ls.length)), count: ls.length }, detail: ls.map((message) => ({ message })) };
    }
    this.setHealthChecks(checks);
  }

  override async handleCommand(_inbuf: string, cmd: CmdMap): Promise<CommandReturn> {
    switch (cmd.prefix) {
      case 'device check-health':
        await this.checkHealth();
        return [0, '', ''];
      case 'device monitoring on':
        await this.setModuleOption('enable_monitoring', true);
        this.wakeUp();
        return [0, '', ''];
      default:
        await this.setModuleOption('enable_monitoring', false);
        this.setHealthChecks({});
        return [0, '', ''];
    }
  }
}
