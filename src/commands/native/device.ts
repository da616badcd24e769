// `device ls|info|set-life-expectancy|rm-life-expectancy`: the devices the
// daemons' metadata names (src/state/devices.ts), as ceph-mgr's DaemonServer
// answers them. A life expectancy is what the disk-failure predictors set;
// the devicehealth module warns from it (DEVICE_HEALTH...).

import { Errno, cmdErr, cmdOk } from '../../common/errno.js';
import { timespanStr } from '../../state/ceph-format.js';
import { DEVICE_STORE_PREFIX, knownDevices, lifeRecords, type DeviceDump, type LifeExpectancy } from '../../state/devices.js';
import type { CommandContext, NativeCommand } from '../native-command.js';
import { render } from '../native-command.js';
import { col, parseUtime, textTable } from './table-format.js';

const PREFIX = DEVICE_STORE_PREFIX;

function devices(ctx: CommandContext): DeviceDump[] {
  return knownDevices((p) => ctx.store.kvList(p), ctx.daemons());
}

/** DeviceState::get_life_expectancy_str. */
function lifeText(d: DeviceDump, l: LifeExpectancy | undefined, nowS: number): string {
  if (!l || l.fromS <= 0 || d.life_expectancy_min === undefined) return '';
  if (nowS >= l.fromS) return 'now';
  if (l.toS <= 0) return `>${timespanStr(l.fromS - nowS)}`;
  const a = timespanStr(l.fromS - nowS);
  const b = timespanStr(l.toS - nowS);
  return a === b ? a : `${a} to ${b}`;
}

export const DEVICE_COMMANDS: NativeCommand[] = [
  {
    cmd: 'device ls',
    desc: 'Show devices',
    perm: 'r',
    run: (ctx, cmd) => {
      const list = devices(ctx);
      const life = lifeRecords((p) => ctx.store.kvList(p));
      const nowS = Date.now() / 1000;
      return render(cmd, list, () =>
        textTable(
          [col('DEVICE', 'left'), col('HOST:DEV', 'left'), col('DAEMONS', 'left'), col('WEAR', 'right'), col('LIFE EXPECTANCY', 'left')],
          list.map((d) => [d.devid, d.location.map((l) => `${l.host}:${l.dev}`).join(' '), d.daemons.join(' '), '', lifeText(d, life.get(d.devid), nowS)]),
        ).replace(/\n$/, ''),
      );
    },
  },
  {
    cmd: 'device info name=devid,type=CephString',
    desc: 'Show information about a device',
    perm: 'r',
    run: (ctx, cmd) => {
      const d = devices(ctx).find((x) => x.devid === cmd.devid);
      if (!d) return cmdErr(Errno.ENOENT, `device ${String(cmd.devid)} not found`);
      return render(cmd, d, () => {
        const lines = [`device ${d.devid}`];
        for (const l of d.location) lines.push(`attachment ${l.host}:${l.dev}`);
        if (d.daemons.length) lines.push(`daemons ${d.daemons.join(',')}`);
        if (d.life_expectancy_min !== undefined) lines.push(`expected failure between ${d.life_expectancy_min} and ${d.life_expectancy_max!}`);
        return lines.join('\n');
      });
    },
  },
  {
    cmd: 'device set-life-expectancy name=devid,type=CephString name=from,type=CephString name=to,type=CephString,req=false',
    desc: 'Set predicted device life expectancy',
    perm: 'rw',
    run: async (ctx, cmd) => {
      const devid = String(cmd.devid);
      if (!/^[\w.:+-]{1,256}$/.test(devid)) return cmdErr(Errno.EINVAL, `devid: '${devid}' is not a device id`);
      const fromS = parseUtime(String(cmd.from));
      if (fromS === undefined) return cmdErr(Errno.EINVAL, `unable to parse datetime '${String(cmd.from)}'`);
      let toS = 0;
      if (typeof cmd.to === 'string') {
        const t = parseUtime(cmd.to);
        if (t === undefined) return cmdErr(Errno.EINVAL, `unable to parse datetime '${cmd.to}'`);
        toS = t;
      }
      if (!devices(ctx).some((d) => d.devid === devid)) return cmdErr(Errno.ENOENT, `device ${devid} not found`);
      await ctx.store.kvSet(PREFIX + devid, JSON.stringify({ fromS, toS, stampS: Date.now() / 1000 } satisfies LifeExpectancy));
      return cmdOk('', '');
    },
  },
  {
    cmd: 'device rm-life-expectancy name=devid,type=CephString',
    desc: 'Clear predicted device life expectancy',
    perm: 'rw',
    run: async (ctx, cmd) => {
      const devid = String(cmd.devid);
      if (ctx.store.kvGet(PREFIX + devid) === undefined) return cmdErr(Errno.ENOENT, `device ${devid} not found`);
      await ctx.store.kvSet(PREFIX + devid, undefined);
      return cmdOk('', '');
    },
  },
];
