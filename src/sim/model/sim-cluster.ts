// SimCluster: a simulated Ceph cluster, pure and deterministic (no sockets, no
// timers, no Math.random). The runner calls advance() about once a second and
// asks for maps, daemon counters and PG stats to report over the wire protocol.
// docs/simulator.md describes what is simulated and how it differs from Ceph.

import type { CounterDecl, MapMsg, PgStatsMsg, StoreStatfs } from '../../protocol/messages.js';
import { DaemonCounters, type ClusterTotals, type DaemonKind, type MonRole } from './daemon-counters.js';
import { IoLedger } from './io-ledger.js';
import { LoadShape } from './load.js';
import { OsdMapBuilder } from './maps-osd.js';
import { fsMap, monHealth, monMap, monStatus, serviceMap } from './maps-other.js';
import { mdsMetadata, monMetadata, osdMetadata } from './metadata.js';
import { OsdStates } from './osd-state.js';
import { OsdUsageCache, osdStatfs, usedRatio } from './osd-usage.js';
import { Placement } from './placement.js';
import { PgEngine } from './pg-engine.js';
import { PG_REMAPPED } from './pg-state.js';
import { buildPgStats, writePgStats, type ReportContext, type SimPgRecord } from './pg-report.js';
import type { PgStatsBinWriter } from '../../protocol/pg-stats-writer.js';
import { PING_FIELDS } from '../../protocol/ping-times.js';
import { MemberIndex, PgTable } from './pg-table.js';
import { buildPools, type PoolSpec } from './pools.js';
import { Rng, hashUnit } from './rng.js';
import { loadScenario, type ScenarioEvent } from './scenario.js';
import { buildTopology, type Topology } from './topology.js';
import { ClusterControl } from './cluster-control.js';
import { PoolChanges } from './pool-changes.js';
import { clusterTotals, pgStateSummary } from './cluster-summary.js';
import { MIB } from './format.js';
import { OsdmapFlags } from './osdmap-flags.js';
import { Heartbeats } from './heartbeat.js';
import { SIM_COMMANDS } from './sim-commands.js';
import { SimFaults } from './faults.js';
import { CrashLog } from './crashes.js';
import { Outbox } from './outbox.js';
import { bluestoreFlags, checkObjectstoreMode, type ObjectstoreMode, type OsdObjectstore } from './objectstore.js';

export interface SimOptions {
  /** Number of OSDs, 3 .. 10,000+. */
  osds: number;
  /** Same seed and same sequence of calls => same output. */
  seed: number;
  /** Default 4; there are always at least 3 hosts. */
  osdsPerHost?: number;
  /** Default 3: a production quorum, on a small cluster too (1 is the reference cluster's shape). */
  mons?: number;
  /** Target PG replicas per OSD (mon_target_pg_per_osd), default 100. */
  pgsPerOsd?: number;
  /** Built-in scenario name (none, osd-down, recovery, scrub, nearfull) or a JSON file path. */
  scenario?: string;
  fsid?: string;
  /** Simulated start time, unix seconds; default now. */
  startS?: number;
  /** RGW daemons (each with the default.rgw.* pools); default 1. */
  rgws?: number;
  /** mon_allow_pool_delete: `osd pool delete` is refused unless it is true (Ceph's default: false). */
  monAllowPoolDelete?: boolean;
  /** Used fraction of raw capacity at start; default 0.3 .. 0.6 from the seed. */
  fillRatio?: number;
  /** mon_osd_down_out_interval: a down OSD is marked out after this; default 600. */
  downOutIntervalS?: number;
  /** Bytes/s one recovering or backfilling PG moves; default 256 MiB/s. */
  recoveryBytesPerS?: number;
  /** osd_max_backfills; default 1. */
  osdMaxBackfills?: number;
  /** Periodic scrubs and deep scrubs as osd_scrub_min_interval / osd_deep_scrub_interval schedule them; default true. */
  backgroundScrub?: boolean;
  /**
   * The OSDs' objectstore, which sets their perf schema and metadata keys. Default
   * `bluestore` (osd.3's 624 counters, a block device per OSD); `memstore`
   * (osd.0's 414-counter schema, no device); `mixed` as the reference cluster:
   * ids 3, 7, 11... bluestore, the others memstore.
   */
  objectstore?: ObjectstoreMode;
  /** Clusters under 8 hosts with 2+ OSDs on each: every second OSD of a host has another disk size, the same mix on every host (default true); false: one size. */
  mixedSizes?: boolean;
  /** One pool compressed (`compression_mode aggressive`, snappy): the RGW data pool, without RGW the CephFS data pool (default true). */
  compressedPool?: boolean;
}

export interface SimDaemon {
  /** Entity name: "osd.3", "mon.a", "mds.node-0002", "rgw.node-0003". */
  name: string;
  kind: 'osd' | 'mon' | 'mds' | 'rgw';
  metadata: Record<string, string>;
  /** Service daemons (rgw): the service-map entry they register under, and its key. */
  service?: { name: string; gid: number };
}

const CLUSTER_AGE_S = 30 * 86400;

function checkInt(name: string, v: number | undefined, min: number, dflt: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) throw new Error(`SimOptions.${name} must be an integer >= ${min}, got ${String(v)}`);
  return x;
}

function checkBool(name: string, v: boolean | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new Error(`SimOptions.${name} must be true or false, got ${String(v)}`);
  return v;
}

export class SimCluster {
  readonly fsid: string;
  readonly startS: number;
  readonly createdS: number;
  readonly topo: Topology;
  readonly pools: PoolSpec[];
  readonly events: Array<{ atS: number; what: string }> = [];
  /** @internal model parts, exposed for the control helper and tests. */
  readonly table: PgTable;
  readonly osd: OsdStates;
  readonly engine: PgEngine;
  readonly ledger: IoLedger;
  readonly usage: OsdUsageCache;
  readonly members: MemberIndex;
  readonly placement: Placement;
  readonly loads: LoadShape[];
  readonly builder: OsdMapBuilder;
  readonly control: ClusterControl;
  /** `osd pool create|delete|set`: the pool list and the PG layout follow. */
  readonly poolChanges: PoolChanges;
  /** The highest pool id ever used (ids are not reused). */
  poolMax: number;
  readonly seed: number;
  /** Phase of the daily load cycle every pool's load shares. */
  readonly dayPhase: number;
  /** mon_allow_pool_delete. */
  monAllowPoolDelete: boolean;
  readonly monUp: boolean[];
  readonly monRoles: MonRole[];
  readonly downOutIntervalS: number;
  readonly objectstore: ObjectstoreMode;
  /** 1 where the OSD runs bluestore, by OSD id. */
  readonly isBluestore: Uint8Array;
  /** Heartbeat ping times between OSDs (osd_stat's network_ping_times). */
  readonly heartbeats: Heartbeats;
  /** The cluster flags (`osd set|unset`): dumped in the OSD map, obeyed by the engine and the mon rules. */
  readonly flags = new OsdmapFlags();
  /** Mon disk and clock, MDS, and OSD store/repair faults, and the mon-side checks they raise. */
  readonly faults: SimFaults;
  /** Crashed daemons (their restarts; their reports go to the outbox). */
  readonly crashes: CrashLog;
  /** Commands the cluster's agents send the manager as clients (crash reports, device predictions); the runner sends them. */
  readonly outbox = new Outbox();
  private readonly counters: DaemonCounters;
  private readonly scenario: ScenarioEvent[];
  private scenarioNext = 0;
  private readonly zoneIds: { realm: string; zonegroup: string; zone: string };
  private readonly serviceStartS: number;
  private readonly byName = new Map<string, { kind: DaemonKind; index: number }>();
  nowS: number;
  epoch: number;
  modifiedS: number;
  lastUpChangeS: number;
  lastInChangeS: number;
  electionEpoch = 1;
  quorumSinceS: number;
  private version = 1;
  private mapsCache: { version: number; maps: MapMsg } | undefined;
  private totalsCache: { version: number; nowS: number; totals: ClusterTotals } | undefined;
  private metaCache: SimDaemon[] | undefined;
  /** Where pgStatsBin() packs an OSD's ping times (grown when an OSD has more peers). */
  private pingScratch = new Uint32Array(64 * PING_FIELDS);
  private readonly isOsdUp = (o: number): boolean => this.osd.isUp[o] === 1;

  constructor(opts: SimOptions) {
    const osds = checkInt('osds', opts.osds, 3, 0);
    if (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed)) throw new Error(`SimOptions.seed must be a number, got ${String(opts.seed)}`);
    const perHost = checkInt('osdsPerHost', opts.osdsPerHost, 1, 4);
    const mons = checkInt('mons', opts.mons, 1, 3);
    const rgws = checkInt('rgws', opts.rgws, 0, 1);
    const pgsPerOsd = opts.pgsPerOsd ?? 100;
    if (!(pgsPerOsd > 0)) throw new Error(`SimOptions.pgsPerOsd must be > 0, got ${String(opts.pgsPerOsd)}`);
    this.objectstore = checkObjectstoreMode(opts.objectstore);
    this.isBluestore = bluestoreFlags(this.objectstore, osds);
    const rng = new Rng(opts.seed);
    this.startS = opts.startS ?? Math.floor(Date.now() / 1000);
    this.createdS = this.startS - CLUSTER_AGE_S;
    this.nowS = this.startS;
    this.fsid = opts.fsid ?? rng.uuid();
    this.downOutIntervalS = opts.downOutIntervalS ?? 600;
    this.topo = buildTopology({ osds, osdsPerHost: perHost, mons, rgws, createdS: this.createdS, mixedSizes: checkBool('mixedSizes', opts.mixedSizes, true) }, rng);
    const rawBytes = this.topo.osds.reduce((s, o) => s + o.sizeBytes, 0);
    const fill = opts.fillRatio ?? rng.range(0.3, 0.6);
    if (!(fill >= 0 && fill < 0.95)) throw new Error(`SimOptions.fillRatio must be in [0, 0.95), got ${String(opts.fillRatio)}`);
    this.pools = buildPools({ osds, pgsPerOsd, rgw: rgws > 0, rawBytes, fill, createdS: this.createdS, compressed: checkBool('compressedPool', opts.compressedPool, true) });
    this.poolMax = this.pools.length;
    this.monAllowPoolDelete = opts.monAllowPoolDelete ?? false;
    const dayPhase = (this.dayPhase = rng.range(0, 2 * Math.PI));
    this.loads = this.pools.map(() => new LoadShape(rng, this.createdS, dayPhase));
    const opsPerS = this.topo.osds.reduce((s, o) => s + (o.deviceClass === 'ssd' ? 450 : 45), 0);
    this.ledger = new IoLedger(this.pools, this.loads, this.topo.osds, opsPerS);
    this.epoch = 200 + rng.int(800) + Math.floor(osds / 4);
    this.modifiedS = this.startS - 600;
    this.lastUpChangeS = this.startS - 3600;
    this.lastInChangeS = this.startS - 86400;
    this.quorumSinceS = this.startS - 86400 * 3;
    const seed = (this.seed = opts.seed | 0);
    this.osd = new OsdStates(this.topo, this.epoch, this.startS, (i) => 86400 * (1 + 19 * hashUnit(seed, i, 9)));
    this.placement = new Placement(this.topo, rng, this.pools.length);
    this.table = new PgTable(this.pools, seed, this.startS);
    this.table.remap(this.placement, this.osd.reweight);
    this.members = new MemberIndex(osds);
    this.members.rebuild(this.table, osds);
    const engineOpts = {
      recoveryBytesPerS: opts.recoveryBytesPerS ?? 256 * MIB,
      osdMaxBackfills: checkInt('osdMaxBackfills', opts.osdMaxBackfills, 1, 1),
      backgroundScrub: opts.backgroundScrub ?? true,
      seed,
      clusterFlags: this.flags,
    };
    this.engine = new PgEngine(this.table, this.members, this.ledger, this.loads, this.osd, engineOpts);
    this.engine.initialSettle(this.startS);
    for (let i = 0; i < osds; i++) this.ledger.reset(i, this.osd.startedS[i] as number);
    this.usage = new OsdUsageCache(this.table, this.members, this.isBluestore);
    this.builder = new OsdMapBuilder(this.topo, this.pools, this.osd);
    this.monUp = this.topo.mons.map(() => true);
    this.monRoles = this.topo.mons.map((m) => ({ startS: this.startS - 86400 * (3 + m.rank), leader: m.rank === 0, elections: 1, epochAtStart: this.epoch }));
    this.serviceStartS = this.startS - 86400 * 2;
    this.zoneIds = { realm: '', zonegroup: rng.uuid(), zone: rng.uuid() };
    const meta = this.pools.find((p) => p.name === 'cephfs.cephfs.meta');
    const data = this.pools.find((p) => p.name === 'cephfs.cephfs.data');
    const rgwData = this.pools.find((p) => p.name === 'default.rgw.buckets.data');
    this.counters = new DaemonCounters({
      ledger: this.ledger,
      loads: this.loads,
      isSsd: this.osd.isSsd,
      isBluestore: this.isBluestore,
      usage: (o) => this.usage.get(o),
      statfs: (o) => this.statfs(o),
      osdEpoch: () => this.epoch,
      numOsds: osds,
      numMons: mons,
      cephfsMetaPool: meta?.index ?? -1,
      cephfsDataObjects: data?.objects ?? 0,
      rgwDataPool: rgwData?.index ?? -1,
      numRgws: rgws,
      totals: () => this.totals(),
    });
    this.topo.osds.forEach((o) => this.byName.set(`osd.${o.id}`, { kind: 'osd', index: o.id }));
    this.topo.mons.forEach((m) => this.byName.set(`mon.${m.name}`, { kind: 'mon', index: m.rank }));
    this.topo.mds.forEach((d, i) => this.byName.set(`mds.${d.id}`, { kind: 'mds', index: i }));
    this.topo.rgws.forEach((d, i) => this.byName.set(`rgw.${d.id}`, { kind: 'rgw', index: i }));
    this.control = new ClusterControl(this);
    this.poolChanges = new PoolChanges(this);
    this.faults = new SimFaults(this.topo.mons, seed);
    this.crashes = new CrashLog(seed, this.outbox);
    this.heartbeats = new Heartbeats(seed);
    this.scenario = loadScenario(opts.scenario, {
      seed,
      numOsds: osds,
      osdHost: (o) => this.topo.osds[o]!.host,
      monNames: this.topo.mons.map((m) => m.name),
      poolId: (v) => this.pools.find((p) => p.id === v || p.name === v || String(p.id) === v)?.id,
      isDaemon: (n) => this.byName.has(n),
    });
  }

  /** Bumps whenever maps() would return something different. */
  get mapVersion(): number {
    return this.version;
  }

  /** Records a change of any map; `osdMap` also starts a new OSD map epoch. */
  bumpMaps(osdMap: boolean): void {
    if (osdMap) {
      this.epoch++;
      this.modifiedS = this.nowS;
    }
    this.version++;
  }

  log(what: string): void {
    this.events.push({ atS: Math.round((this.nowS - this.startS) * 1000) / 1000, what });
  }

  advance(nowS: number): void {
    if (!(nowS >= this.nowS)) return;
    const dt = nowS - this.nowS;
    this.nowS = nowS;
    while (this.scenarioNext < this.scenario.length && this.startS + this.scenario[this.scenarioNext]!.atS <= nowS) {
      this.control.apply(this.scenario[this.scenarioNext++]!);
    }
    this.control.bootPending();
    this.control.faults.restartCrashed();
    this.control.autoOut();
    this.control.rampFills();
    this.engine.tick(nowS, dt);
    if (this.engine.usageDirty) {
      this.engine.usageDirty = false;
      this.usage.invalidate();
    }
    this.control.updateFullness();
    if (this.engine.pgTempDirty) {
      this.engine.pgTempDirty = false;
      this.bumpMaps(true);
    }
  }

  maps(): MapMsg {
    if (this.mapsCache?.version === this.version) return this.mapsCache.maps;
    const meta = this.pools.find((p) => p.name === 'cephfs.cephfs.meta')!;
    const data = this.pools.find((p) => p.name === 'cephfs.cephfs.data')!;
    const mds = this.topo.mds[0]!;
    const clients = { mon: this.monUp.filter(Boolean).length, osd: this.osd.upCount(), client: 2 + this.topo.rgws.length + 1, mgr: 2, mds: this.faults.mdsUp ? 1 : 0 };
    const maps: MapMsg = {
      fsid: this.fsid,
      osd_map: this.builder.osdMap({
        fsid: this.fsid,
        epoch: this.epoch,
        createdS: this.createdS,
        modifiedS: this.modifiedS,
        lastUpChangeS: this.lastUpChangeS,
        lastInChangeS: this.lastInChangeS,
        poolLastChange: this.pools.map((p) => p.lastChangeEpoch ?? Math.max(1, this.epoch - 50 - 7 * p.index)),
        poolMax: this.poolMax,
        pgTemp: this.pgTemp(),
        flags: this.flags.dump(),
      }),
      osd_map_tree: this.builder.tree(),
      osd_map_crush: this.builder.crush(),
      mon_map: monMap(this.topo.mons, this.fsid, this.createdS),
      mon_status: monStatus(this.topo.mons, { up: this.monUp, electionEpoch: this.electionEpoch, quorumSinceS: this.quorumSinceS }, this.fsid, this.createdS, this.nowS, clients),
      fs_map: fsMap(mds, this.topo.hosts[mds.host]!, meta, data, this.createdS, this.faults),
      service_map: serviceMap(this.topo.rgws, this.topo.hosts, this.topo.rgws.length > 0 ? 3 + this.topo.rgws.length : 1, this.createdS, this.zoneIds),
      health_checks: { ...monHealth(this.topo.mons, this.monUp), ...this.faults.monChecks(this.monUp), ...this.faults.fsChecks('cephfs', mds.id) },
      commands: [...SIM_COMMANDS],
    };
    this.mapsCache = { version: this.version, maps };
    return maps;
  }

  private pgTemp(): Array<{ pgid: string; osds: number[] }> {
    const out: Array<{ pg: number; pgid: string; osds: number[] }> = [];
    const t = this.table;
    for (const pg of t.work.keys()) {
      if ((t.state[pg]! & PG_REMAPPED) === 0) continue;
      const a = this.engine.an.run(t, pg, this.osd.isUp);
      out.push({ pg, pgid: t.pgid(pg), osds: a.actingList() });
    }
    out.sort((x, y) => x.pg - y.pg);
    return out.map(({ pgid, osds }) => ({ pgid, osds }));
  }

  daemons(): SimDaemon[] {
    if (this.metaCache !== undefined) return this.metaCache;
    const t = this.topo;
    const list: SimDaemon[] = [];
    for (const o of t.osds) list.push({ name: `osd.${o.id}`, kind: 'osd', metadata: this.osdMeta(o.id) });
    for (const m of t.mons) list.push({ name: `mon.${m.name}`, kind: 'mon', metadata: monMetadata(m, t.hosts[m.host]!, this.fsid) });
    for (const d of t.mds) list.push({ name: `mds.${d.id}`, kind: 'mds', metadata: mdsMetadata(d, t.hosts[d.host]!) });
    const svc = this.maps().service_map as { services: { rgw?: { daemons: Record<string, { metadata: Record<string, string> }> } } };
    for (const d of t.rgws) {
      const metadata = svc.services.rgw?.daemons[String(d.gid)]?.metadata ?? {};
      list.push({ name: `rgw.${d.id}`, kind: 'rgw', metadata, service: { name: 'rgw', gid: d.gid } });
    }
    this.metaCache = list;
    return list;
  }

  private osdMeta(id: number): Record<string, string> {
    const o = this.topo.osds[id]!;
    return osdMetadata({ ...o, nonce: this.osd.nonce[id] as number }, this.topo.hosts[o.host]!, this.fsid, this.osdObjectstore(id));
  }

  /** Drops cached metadata (an OSD restarted with a new address nonce). */
  metadataChanged(): void {
    this.metaCache = undefined;
  }

  isUp(name: string): boolean {
    const d = this.byName.get(name);
    if (d === undefined) return false;
    if (d.kind === 'osd') return this.osd.isUp[d.index] === 1;
    if (d.kind === 'mon') return this.monUp[d.index] === true;
    if (d.kind === 'mds') return this.faults.mdsUp;
    return true;
  }

  /** What OSD `id` runs (its metadata's `osd_objectstore`). */
  osdObjectstore(id: number): OsdObjectstore {
    return this.isBluestore[id] === 1 ? 'bluestore' : 'memstore';
  }

  /**
   * The declared counters of a daemon, in the order sampleCounters() fills.
   * For OSDs the schema depends on the daemon's objectstore: pass its `name`.
   * Without one, `osd` means the default OSD schema: memstore (also for
   * `mixed`, where most OSDs run it), bluestore when every OSD does. Shared
   * between daemons and clusters: treat as read-only.
   */
  counterSchema(kind: DaemonKind, name?: string): CounterDecl[] {
    if (name === undefined) return this.counters.schema(kind, this.objectstore === 'bluestore');
    const d = this.byName.get(name);
    if (d === undefined) throw new Error(`counterSchema: no daemon named "${name}"`);
    if (d.kind !== kind) throw new Error(`counterSchema: "${name}" is not of kind "${kind}"`);
    return this.counters.schema(kind, kind === 'osd' && this.isBluestore[d.index] === 1);
  }

  sampleCounters(name: string, nowS: number): Float64Array {
    const d = this.byName.get(name);
    if (d === undefined) throw new Error(`sampleCounters: no daemon named "${name}"`);
    switch (d.kind) {
      case 'osd':
        return this.counters.sampleOsd(d.index, nowS);
      case 'mon':
        return this.counters.sampleMon(d.index, this.monRoles[d.index]!, nowS);
      case 'mds':
        return this.counters.sampleMds(this.serviceStartS, nowS);
      case 'rgw':
        return this.counters.sampleRgw(d.index, this.serviceStartS, nowS);
    }
  }

  pgStats(osd: number, nowS: number): PgStatsMsg | undefined {
    const ctx = this.reportContext(osd, nowS);
    return ctx === undefined ? undefined : buildPgStats(ctx, osd, nowS);
  }

  /**
   * The same report as pgStats(), written straight into its PG_STATS_BIN
   * payload for protocol `version` (no object per PG): what the simulator's
   * daemons send. `writer` and `rec` are scratch, reused across calls.
   */
  pgStatsBin(osd: number, nowS: number, writer: PgStatsBinWriter, rec: SimPgRecord, version: number): Buffer | undefined {
    const ctx = this.reportContext(osd, nowS, this.pingScratch);
    if (ctx !== undefined && ctx.pingTimes.buffer !== this.pingScratch.buffer) this.pingScratch = new Uint32Array(ctx.pingTimes.length * 2);
    return ctx === undefined ? undefined : writePgStats(ctx, osd, nowS, writer, rec, version);
  }

  /**
   * What an OSD's next report is made from (counts the report: its osd_stat
   * seq moves on); undefined for an OSD that is down. Its ping times go into
   * `pingInto` when it is large enough (scratch: the report is written at once).
   */
  private reportContext(osd: number, nowS: number, pingInto?: Uint32Array): ReportContext | undefined {
    if (!(osd >= 0 && osd < this.osd.count) || this.osd.isUp[osd] !== 1) return undefined;
    const seq = (this.osd.reportSeq[osd] = (this.osd.reportSeq[osd] as number) + 1);
    const load = this.loads[0]!.at(nowS);
    const usage = this.usage.get(osd);
    return {
      t: this.table,
      engine: this.engine,
      members: this.members,
      ledger: this.ledger,
      epoch: this.epoch,
      usage,
      statfs: this.statfs(osd),
      upFrom: this.osd.upFrom[osd] as number,
      seq,
      latencyMs: Math.round((this.ledger.writeLatencyNs(osd) / 1e6) * (0.6 + 0.4 * load)),
      pingTimes: this.heartbeats.pingTimes(osd, usage.hbPeers, this.isOsdUp, nowS, pingInto),
      alerts: this.faults.osdAlerts.get(osd),
      shardsRepaired: this.faults.repaired.get(osd) ?? 0,
    };
  }

  statfs(osd: number): StoreStatfs {
    return osdStatfs(this.topo.osds[osd]!.sizeBytes, this.usage.get(osd), this.osd.extraBytes[osd] as number);
  }

  /** Used fraction of an OSD (what nearfull_ratio is compared with). */
  osdUsedRatio(osd: number): number {
    return usedRatio(this.statfs(osd));
  }

  /** PG count per state text, as `ceph pg stat` summarises (PGs nobody can report: "stale+..."). */
  pgSummary(): Record<string, number> {
    return pgStateSummary(this.table, this.engine);
  }

  totals(): ClusterTotals {
    const c = this.totalsCache;
    if (c !== undefined && c.version === this.version && c.nowS === this.nowS) return c.totals;
    const totals = clusterTotals(this);
    this.totalsCache = { version: this.version, nowS: this.nowS, totals };
    return totals;
  }

  // Control API (also used by scenarios). Times are the last advance() time.
  killOsd(id: number): void {
    this.control.killOsd(id);
  }
  reviveOsd(id: number): void {
    this.control.reviveOsd(id);
  }
  markOut(id: number): void {
    this.control.markOut(id, false);
  }
  markIn(id: number): void {
    this.control.markIn(id);
  }
  /** Fills an OSD to a used ratio now, or gradually over `overS` seconds. */
  setOsdFull(id: number, ratio: number, overS = 0): void {
    this.control.fill(id, ratio, overS);
  }
  /** Queues a scrub (deep: a deep scrub) of every PG of a pool, or of all pools. */
  startScrub(poolId?: number, deep = false): void {
    this.control.scrub(poolId, deep);
  }
  /** `osd set|unset <key>` (noout, pause...). */
  setFlag(key: string, on: boolean): void {
    this.control.setFlag(key, on);
  }
  killMon(name: string): void {
    this.control.setMon(name, false);
  }
  reviveMon(name: string): void {
    this.control.setMon(name, true);
  }
}
