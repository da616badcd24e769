// Daemon and pool metadata families, and OSD status: the label sets the
// dashboards join on (ceph_osd_metadata, ceph_disk_occupation_human,
// ceph_pool_metadata...), built as Ceph 16's get_fs, get_quorum_status,
// get_mgr_status and get_metadata_and_osd_status build them.

import { hostname as osHostname } from 'node:os';
import { stripPort, type Label, type StepContext } from './collect-context.js';
import { labelFragment } from './exposition.js';
import { flagFamily, LABELS, OSD_FLAGS, OSD_STATUS } from './families.js';
import type { Occupation, OsdRow } from './osd-rows.js';
import { CHECK_EVERY, type Snapshot } from '../../src/mgr-module/index.js';

/** A scalar of a Ceph map as a label value, as Python's str() writes it ('' for anything else). */
function str(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** OSD ids are below 2^24 in practice (Ceph's max_osd); metadata of a larger id would only make a sparse array. */
const MAX_OSD_ID = 1 << 24;

/** The release whose always-on modules count as auto-enabled (status 2). */
const RELEASE = 'pacific';

export function getFs(ctx: StepContext): void {
  const fsMap = ctx.get('fs_map');
  const mds = (name: string): { host: string; version: string } => ctx.service('mds', name) ?? { host: '', version: '' };
  ctx.open('ceph_mds_metadata');
  for (const standby of fsMap.standbys) {
    const name = str(standby.name);
    const { host, version } = mds(name);
    ctx.w.sample('ceph_mds_metadata', labelFragment(LABELS.mdsMetadata, [`mds.${name}`, '-1', host, str(standby.addr), str(standby.rank), version]), 1);
  }
  for (const fs of fsMap.filesystems) {
    const m = fs.mdsmap;
    ctx.open('ceph_fs_metadata');
    ctx.w.sample('ceph_fs_metadata', labelFragment(LABELS.fsMetadata, [m.data_pools.map(String).join(','), String(fs.id), String(m.metadata_pool), m.fs_name]), 1);
    ctx.open('ceph_mds_metadata');
    for (const daemon of Object.values(m.info)) {
      const name = str(daemon.name);
      const { host, version } = mds(name);
      ctx.w.sample('ceph_mds_metadata', labelFragment(LABELS.mdsMetadata, [`mds.${name}`, String(fs.id), host, str(daemon.addr), str(daemon.rank), version]), 1);
    }
  }
}

interface MonStatusJson {
  quorum?: number[];
  monmap?: { mons?: Array<{ rank: number; name: string; public_addr: string }> };
}

export function getQuorumStatus(ctx: StepContext): void {
  const status = JSON.parse(ctx.get('mon_status').json) as MonStatusJson;
  const quorum = new Set(status.quorum ?? []);
  for (const mon of status.monmap?.mons ?? []) {
    const daemon = `mon.${mon.name}`;
    const svc = ctx.service('mon', mon.name) ?? { host: '', version: '' };
    ctx.open('ceph_mon_metadata');
    ctx.w.sample('ceph_mon_metadata', labelFragment(LABELS.monMetadata, [daemon, svc.host, stripPort(mon.public_addr), String(mon.rank), svc.version]), 1);
    ctx.open('ceph_mon_quorum_status');
    ctx.w.sample('ceph_mon_quorum_status', ctx.labels.daemon(daemon), quorum.has(mon.rank) ? 1 : 0);
  }
}

export function getMgrStatus(ctx: StepContext): void {
  const map = ctx.get('mgr_map');
  const active = map.active_name;
  const all = [...map.standbys.map((s) => s.name), active];
  for (const mgr of all) {
    let svc = ctx.service('mgr', mgr);
    // mgrd's own process does not report to itself as ceph-mgr does: at least name its host.
    if (svc === undefined && mgr === ctx.src.getMgrId()) svc = { host: osHostname(), version: '' };
    // A standby mgrd: what it registered in the map store (hostname, version).
    const md = svc === undefined ? ctx.src.getMetadata('mgr', mgr) : undefined;
    if (md) svc = { host: md.hostname ?? '', version: md.ceph_version ?? '' };
    ctx.open('ceph_mgr_metadata');
    ctx.w.sample('ceph_mgr_metadata', labelFragment(LABELS.mgrMetadata, [`mgr.${mgr}`, svc?.host ?? '', svc?.version ?? '']), 1);
    ctx.open('ceph_mgr_status');
    ctx.w.sample('ceph_mgr_status', ctx.labels.daemon(`mgr.${mgr}`), mgr === active ? 1 : 0);
  }
  const alwaysOn = new Set(map.always_on_modules[RELEASE] ?? []);
  const enabled = new Set(map.modules);
  for (const mod of map.available_modules) {
    const labels = ctx.labels.of(LABELS.moduleName, [mod.name]);
    ctx.open('ceph_mgr_module_status');
    ctx.w.sample('ceph_mgr_module_status', labels, alwaysOn.has(mod.name) ? 2 : enabled.has(mod.name) ? 1 : 0);
    ctx.open('ceph_mgr_module_can_run');
    ctx.w.sample('ceph_mgr_module_can_run', labels, mod.can_run ? 1 : 0);
  }
}

export async function getMetadataAndOsdStatus(ctx: StepContext): Promise<void> {
  const osdMap = ctx.get('osd_map');
  const flags = new Set((osdMap.flags ?? '').split(','));
  for (const flag of OSD_FLAGS) {
    ctx.open(flagFamily(flag));
    ctx.w.sample(flagFamily(flag), '', flags.has(flag) ? 1 : 0);
  }

  const cache = ctx.labels.osdRows;
  const deviceClass = cache.deviceClasses(ctx.get('osd_map_crush'));
  // Every OSD's metadata, shared and frozen (getMetadata() copies each one: ~80 keys, 10,000 times), read in slices,
  // by numeric id in an array (a Map of 10,000 string keys built every collection cost more than the rows).
  const metadata: Array<Readonly<Record<string, string>> | undefined> = [];
  await ctx.readAll('daemonMetadata', ctx.src.daemonMetadata('osd'), ([id, meta]) => {
    const n = Number(id);
    if (Number.isInteger(n) && n >= 0 && n < MAX_OSD_ID) metadata[n] = meta;
  });
  const rows: OsdRow[] = [];
  const occupations: Occupation[] = [];
  for (let i = 0; i < osdMap.osds.length; i++) {
    if ((i & (CHECK_EVERY - 1)) === 0 && ctx.s.due()) await ctx.s.yield();
    const osd = osdMap.osds[i]!;
    const id = osd.osd;
    const devClass = deviceClass.get(id);
    const meta = metadata[id];
    let row = cache.reuse(id, osd, meta, devClass);
    if (row === undefined) cache.keep(id, osd, meta, devClass, (row = osdRow(ctx, osd, devClass, meta)));
    if (row === null) continue;
    rows.push(row);
    if (row.occupation !== undefined) occupations.push(row.occupation);
  }
  cache.prune(osdMap.osds.length, () => new Set(osdMap.osds.map((o) => o.osd)));
  await ctx.s.maybeYield();
  ctx.open('ceph_osd_metadata');
  for (const r of rows) ctx.put('ceph_osd_metadata', r.metadata, 1);
  for (const state of OSD_STATUS) {
    await ctx.s.maybeYield();
    const family = `ceph_osd_${state}`;
    ctx.open(family);
    for (const r of rows) ctx.put(family, r.labels, r.osd[state]);
  }
  await ctx.s.maybeYield();
  ctx.open('ceph_disk_occupation');
  for (const o of occupations) ctx.put('ceph_disk_occupation', o.labels, 1);
  ctx.open('ceph_disk_occupation_human');
  for (const labels of await cache.humanFragments(occupations, () => diskOccupationHuman(ctx, occupations))) ctx.put('ceph_disk_occupation_human', labels, 1);

  ctx.open('ceph_pool_metadata');
  for (const pool of osdMap.pools) {
    const [type, description] = poolInfo(pool, osdMap.erasure_code_profiles ?? {});
    const options = (pool.options ?? {}) as Record<string, unknown>;
    const compression = typeof options.compression_mode === 'string' ? options.compression_mode : 'none';
    ctx.w.sample('ceph_pool_metadata', labelFragment(LABELS.poolMetadata, [String(pool.pool), pool.pool_name, type, description, compression]), 1);
  }

  ctx.open('ceph_rgw_metadata');
  for (const id of await ctx.daemonIds('rgw')) {
    const meta = ctx.src.getMetadata('rgw', id) ?? {};
    ctx.w.sample('ceph_rgw_metadata', labelFragment(LABELS.rgwMetadata, [`rgw.${meta.id ?? id}`, meta.hostname ?? '', meta.ceph_version ?? '', id]), 1);
  }
  ctx.open('ceph_rbd_mirror_metadata');
  for (const id of await ctx.daemonIds('rbd-mirror')) {
    const meta = ctx.src.getMetadata('rbd-mirror', id);
    if (meta === undefined) continue;
    const m: Record<string, string> = { ...meta, ceph_daemon: `rbd-mirror.${id}` };
    ctx.w.sample('ceph_rbd_mirror_metadata', labelFragment(LABELS.rbdMirrorMetadata, LABELS.rbdMirrorMetadata.map((k) => m[k] ?? '')), 1);
  }
}

type OsdEntry = Snapshot<'osd_map'>['osds'][number];

/** One OSD's row, or null when Ceph leaves the OSD out of the metadata and status families. */
function osdRow(ctx: StepContext, osd: OsdEntry, devClass: string | undefined, meta: Readonly<Record<string, string>> | undefined): OsdRow | null {
  const id = osd.osd;
  const pAddr = stripPort(osd.public_addr ?? '');
  const cAddr = stripPort(osd.cluster_addr ?? '');
  if (pAddr === '-' || cAddr === '-') return null; // never booted: Ceph skips its metadata and status
  if (devClass === undefined) return null; // not in the CRUSH map
  if (meta === undefined) return null;
  const daemon = `osd.${id}`;
  const objectStore = meta.osd_objectstore ?? '';
  const values = [meta.back_iface ?? '', daemon, cAddr, devClass, meta.front_iface ?? '', meta.hostname ?? '', objectStore, pAddr, meta.ceph_version ?? ''];
  return {
    labels: ctx.labels.osd(id),
    metadata: ctx.labels.keyedFragment(`osd_metadata.${id}`, LABELS.osdMetadata, values),
    osd,
    occupation: diskOccupation(ctx, daemon, objectStore, meta),
  };
}

/** The OSD's ceph_disk_occupation sample, or undefined when Ceph would skip it. */
function diskOccupation(ctx: StepContext, daemon: string, objectStore: string, meta: Readonly<Record<string, string>>): Occupation | undefined {
  let dev: string | undefined;
  let wal = '';
  let db = '';
  if (objectStore === 'filestore') {
    dev = meta.backend_filestore_dev_node;
    wal = meta.osd_journal ?? '';
  } else if (objectStore === 'bluestore') {
    dev = meta.bluestore_bdev_dev_node;
    wal = meta.bluefs_wal_dev_node ?? '';
    db = meta.bluefs_db_dev_node ?? '';
  }
  if (dev === 'unknown') dev = undefined;
  const host = meta.hostname;
  if (!dev || !host) return undefined; // Ceph logs "Missing dev node metadata" and skips
  const values = [daemon, dev, db, wal, host, meta.devices || 'N/A', meta.device_ids || 'N/A'];
  return { daemon, device: dev, instance: host, labels: ctx.labels.keyedFragment(`disk_occupation.${daemon}`, LABELS.diskOccupation, values) };
}

/** ceph_disk_occupation_human's label fragments: disk_occupation grouped by (device, instance), OSDs sharing a disk joined in ceph_daemon ("osd.1, osd.2"). */
async function diskOccupationHuman(ctx: StepContext, occupations: readonly Occupation[]): Promise<Label[]> {
  const groups = new Map<string, Occupation[]>();
  for (let i = 0; i < occupations.length; i++) {
    const o = occupations[i]!;
    const key = `${o.device}\u0000${o.instance}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [o]);
    else g.push(o);
    if ((i & (CHECK_EVERY - 1)) === 0 && ctx.s.due()) await ctx.s.yield();
  }
  const out: Label[] = [];
  for (const [key, g] of groups) {
    const daemons = g.length === 1 ? g[0]!.daemon : g.map((o) => o.daemon).join(', ');
    // Kept from the last collection while the OSDs on the disk stay the same.
    out.push(ctx.labels.keyedFragment(`disk_occupation_human.${key}`, LABELS.diskOccupationHuman, [daemons, g[0]!.device, g[0]!.instance]));
    if ((out.length & (CHECK_EVERY - 1)) === 0 && ctx.s.due()) await ctx.s.yield();
  }
  return out;
}

function poolInfo(pool: { type: number; size: number; erasure_code_profile: string }, profiles: Record<string, Record<string, string>>): [string, string] {
  if (pool.type === 1) return ['replicated', `replica:${pool.size}`];
  if (pool.type === 3) {
    const profile = profiles[pool.erasure_code_profile ?? ''];
    return ['erasure', profile ? `ec:${profile.k}+${profile.m}` : 'ec:unknown'];
  }
  return ['unknown', 'unknown'];
}
