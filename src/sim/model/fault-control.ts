// The simulated cluster's faults beyond OSD and mon failures (faults.ts,
// crashes.ts): mon disks and clocks, slow heartbeats, store alerts, repaired
// reads, the MDS, crashing daemons and failing devices, applied at the last
// advance() time as scenario actions.

import type { ScenarioEvent } from './scenario.js';
import type { SimCluster } from './sim-cluster.js';
import type { ClusterControl } from './cluster-control.js';
import { STORE_ALERTS } from './faults.js';
import { RESTART_AFTER_S } from './crashes.js';
import { cephStamp } from './format.js';

export class FaultControl {
  constructor(
    private readonly c: SimCluster,
    private readonly control: ClusterControl,
  ) {}

  /** The mon, MDS and OSD faults (faults.ts): each changes what the next maps or OSD reports say. */
  apply(e: ScenarioEvent): void {
    const c = this.c;
    const f = c.faults;
    switch (e.action) {
      case 'mon-disk':
        f.setMonDisk(e.mon, e.availPercent, e.storeGiB);
        c.log(`mon.${e.mon} data disk ${e.availPercent}% available`);
        return c.bumpMaps(false);
      case 'clock-skew':
        f.setClockSkew(e.mon, e.skewS);
        c.log(`mon.${e.mon} clock ${e.skewS}s off`);
        return c.bumpMaps(false);
      case 'slow-ping':
        this.control.checkOsd(e.osd, 'slow-ping');
        c.heartbeats.setSlow(e.osd, e.backMs, e.frontMs, c.nowS);
        c.log(`osd.${e.osd} heartbeats +${e.backMs} ms back, +${e.frontMs} ms front`);
        return;
      case 'store-alert': {
        this.control.checkOsd(e.osd, 'store-alert');
        const dflt = STORE_ALERTS[e.alert];
        const message = e.clear ? null : (e.message ?? dflt?.(3, c.topo.osds[e.osd]!.sizeBytes) ?? e.alert);
        f.setStoreAlert(e.osd, e.alert, message);
        c.log(`osd.${e.osd} ${e.clear ? 'cleared' : 'raised'} ${e.alert}`);
        return;
      }
      case 'repair':
        this.control.checkOsd(e.osd, 'repair');
        f.addRepairs(e.osd, e.reads);
        c.log(`osd.${e.osd} repaired ${e.reads} reads`);
        return;
      case 'fail-mds':
      case 'damage-mds':
      case 'revive-mds': {
        const next = e.action === 'fail-mds' ? 'failed' : e.action === 'damage-mds' ? 'damaged' : 'active';
        if (f.mdsState === next) return;
        f.mdsState = next;
        f.fsEpochs++;
        c.log(`mds.${c.topo.mds[0]!.id} ${next === 'active' ? 'up:active again' : next}`);
        return c.bumpMaps(false);
      }
      case 'mds-read-only':
        f.mdsReadOnly = e.on;
        c.log(`mds.${c.topo.mds[0]!.id} ${e.on ? 'read-only' : 'writeable again'}`);
        return c.bumpMaps(false);
      case 'crash':
        return this.crash(e.daemon, e.restart, e.mgrModule);
      case 'device-failing':
        return this.deviceFailing(e.osd, e.inDays, e.clear);
      case 'fs-set':
        if (e.key === 'max_mds') f.maxMds = e.value;
        else f.standbyCountWanted = e.value;
        f.fsEpochs++;
        c.log(`fs cephfs ${e.key} ${e.value}`);
        return c.bumpMaps(false);
    }
  }

  /**
   * A daemon crashes: it stops as `kill` would, a crash report waits to be
   * posted (c.crashes), and systemd restarts it RESTART_AFTER_S later unless
   * `restart` is false. A manager module's crash (`mgrModule`) leaves only a report.
   */
  private crash(daemon: string, restart: boolean, mgrModule?: string): void {
    const c = this.c;
    const [type, id] = [daemon.slice(0, daemon.indexOf('.')), daemon.slice(daemon.indexOf('.') + 1)];
    const hostOf = (): string => {
      if (type === 'osd') return c.topo.hosts[c.topo.osds[Number(id)]!.host]!.name;
      if (type === 'mon') return c.topo.hosts[c.topo.mons.find((m) => m.name === id)!.host]!.name;
      return type === 'mgr' ? c.topo.hosts[0]!.name : id;
    };
    const stops = mgrModule === undefined && (type === 'osd' || type === 'mon' || type === 'mds');
    c.crashes.record({ entity: daemon, hostname: hostOf(), mgrModule }, c.nowS, stops && restart ? c.nowS + RESTART_AFTER_S : undefined);
    c.log(`${daemon} crashed${mgrModule !== undefined ? ` (mgr module ${mgrModule})` : ''}`);
    if (!stops) return;
    this.stopOrStart(daemon, false);
  }

  /**
   * The disk-failure predictor (Ceph's diskprediction modules) expects the
   * OSD's device to fail within `inDays` days (between half that and that):
   * it sets the device's life expectancy on the manager, which the
   * devicehealth module warns from. Memstore OSDs have no device: logged, nothing sent.
   */
  private deviceFailing(osd: number, inDays: number, clear: boolean): void {
    const c = this.c;
    this.control.checkOsd(osd, 'device-failing');
    if (c.osdObjectstore(osd) !== 'bluestore') {
      c.log(`osd.${osd} runs memstore: no device to predict a failure of`);
      return;
    }
    const devid = c.topo.osds[osd]!.deviceId;
    if (clear) {
      c.outbox.push({ entity: 'client.admin', cmd: { prefix: 'device rm-life-expectancy', devid } });
      c.log(`device ${devid} (osd.${osd}) no longer expected to fail`);
      return;
    }
    const to = c.nowS + inDays * 86400;
    const from = c.nowS + (inDays * 86400) / 2;
    c.outbox.push({ entity: 'client.admin', cmd: { prefix: 'device set-life-expectancy', devid, from: cephStamp(from), to: cephStamp(to) } });
    c.log(`device ${devid} (osd.${osd}) expected to fail within ${inDays} days`);
  }

  /** Stops or starts a daemon by name (crashes and their restarts). */
  private stopOrStart(daemon: string, up: boolean): void {
    const type = daemon.slice(0, daemon.indexOf('.'));
    const id = daemon.slice(daemon.indexOf('.') + 1);
    if (type === 'osd') return up ? this.control.reviveOsd(Number(id)) : this.control.killOsd(Number(id), 'crashed');
    if (type === 'mon') return this.control.setMon(id, up);
    if (type === 'mds') return this.apply({ atS: 0, action: up ? 'revive-mds' : 'fail-mds' });
  }

  /** Crashed daemons whose restart is due (called from advance). */
  restartCrashed(): void {
    for (const d of this.c.crashes.dueRestarts(this.c.nowS)) this.stopOrStart(d, true);
  }
}
