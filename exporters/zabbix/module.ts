// zabbix: Ceph's zabbix module without the zabbix_sender binary. Every
// `interval` seconds it sends the items of Ceph's module (items.ts) to each
// server of `zabbix_host` with the trapper protocol in-process (zbx-frame.ts,
// trapper-client.ts), through the SDK push loop (batches, retries with
// backoff, counters on /metrics). Low-level discovery (pools, OSDs) goes first
// at start, every `discovery_interval` intervals, and when the pools or OSDs
// change. Commands as Ceph's: zabbix send|discovery|config-set|config-show.
// Items are written as request bytes when built, a chunk at a time
// (item-chunk.ts), and queued as such: sending does nothing per item. Per-item
// work (building and writing, the discovery JSON, reading items back for the
// refused-key search) is done in chunks drawn from one budget per turn of the
// event loop (the SDK's shared Slicer: UNITS_PER_TURN items or MS_PER_TURN
// ms), so the producer and the senders together hold no turn long.
// The template to import is zabbix_template.yaml; docs: README "Zabbix".

import {
  Errno, MgrModule, PushLoop, Slicer, healthCheck,
  type CmdMap, type CommandReturn, type GetName, type HealthCheckMap, type ModuleCommand, type ModuleOption,
} from '../../src/mgr-module/index.js';
import { Delivery, type CallResult, type ServerReport } from './delivery.js';
import { ChunkWriter, chunkOf, itemCount, splitChunk, type Interval, type ItemChunk } from './item-chunk.js';
import { discover, discoveryItemsPaced } from './discovery.js';
import { ITEM_SOURCES, itemSlices } from './items.js';
import { CONFIG_KEYS, MODULE_OPTIONS, parseZabbixHosts, readConfig, zabbixHostName, type ZabbixConfig } from './options.js';
import { zabbixClock, type ZabbixItem } from './sender-protocol.js';
import { serverName } from './trapper-client.js';

/**
 * The module's budget per turn of the event loop, shared by building the
 * items, the discovery JSON and serialising requests: items (built or
 * serialised) and milliseconds.
 */
export const UNITS_PER_TURN = 1000;
export const MS_PER_TURN = 8;

/** Items built per slice (each slice waits for room in the turn's budget). */
const SLICE_ITEMS = 250;

/** A server that takes longer to accept a connection is not there. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Most items waiting to be sent (about 8 intervals of a 10,000-OSD cluster). */
const QUEUE_MAX = 500_000;
/** Longest a `zabbix send` or `zabbix discovery` command waits for the answers (below mgr_module_op_timeout_ms). */
const COMMAND_WAIT_MS = 20_000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'zabbix config-set name=key,type=CephString name=value,type=CephString', desc: 'Set a configuration value', perm: 'rw' },
    { cmd: 'zabbix config-show', desc: 'Show current configuration', perm: 'r' },
    { cmd: 'zabbix send', desc: 'Force sending data to Zabbix', perm: 'rw' },
    { cmd: 'zabbix discovery', desc: 'Discovering Zabbix data', perm: 'r' },
  ];

  static override MODULE_OPTIONS: readonly ModuleOption[] = MODULE_OPTIONS;

  private cfg: ZabbixConfig = readConfig((n, d) => this.getModuleOption(n, d));
  /** One budget per turn for everything the module does per item. */
  readonly budget = Slicer.shared({ unitsPerTurn: UNITS_PER_TURN, msPerTurn: MS_PER_TURN });
  private readonly room = (units: number): Promise<void> => this.budget.take(units);
  private readonly delivery = new Delivery(() => ({
    servers: this.cfg.servers,
    timeouts: { connectMs: Math.min(this.cfg.sendTimeoutMs, CONNECT_TIMEOUT_MS), answerMs: this.cfg.sendTimeoutMs },
  }), this.room);
  private seq = 0;
  /** The latest interval produced (what `zabbix send` waits for). */
  private lastInterval: Interval | undefined;
  private intervalsSinceDiscovery = Infinity;
  private lastDiscovery = '';
  /** The OSD map epoch discovery was last built from (pools, OSDs and CRUSH only change with it). */
  private discoveryEpoch = -1;
  private loopChecks: HealthCheckMap = {};
  private published = '';

  private readonly loop = new PushLoop<ItemChunk>(this, {
    intervalS: () => this.cfg.intervalS,
    batchSize: () => this.cfg.itemsPerRequest,
    units: { weight: itemCount, split: splitChunk },
    concurrency: () => 2,
    queueMax: () => QUEUE_MAX,
    // One send may take several requests to each server (refused-key search); each has its own timeout.
    sendTimeoutMs: () => this.cfg.sendTimeoutMs * 4,
    itemName: 'item',
    target: () => `Zabbix ${this.cfg.servers.map(serverName).join(', ')}`,
    onHealth: (checks) => {
      this.loopChecks = checks;
      this.publishHealth();
    },
    produce: (emit, signal) => this.produce(emit, signal),
    send: async (batch, signal) => {
      try {
        await this.delivery.send(batch, signal);
      } finally {
        this.publishHealth();
      }
    },
  });

  /** Called by the registry once: starts the intervals (the first one now). */
  override async serve(): Promise<void> {
    // `--set mgr/zabbix/...` is applied right after modules start: read the options a turn later.
    await yieldToLoop();
    this.cfg = readConfig((n, d) => this.getModuleOption(n, d));
    this.publishHealth();
    this.loop.start();
  }

  /** Called on the module's queue after an option changed. */
  override configNotify(): void {
    this.cfg = readConfig((n, d) => this.getModuleOption(n, d));
    this.delivery.prune();
    this.loop.reschedule();
    this.publishHealth();
  }

  /** Called by the registry at disable/failover/exit: stops the loop (unsent items are counted as dropped). */
  override async shutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** The Zabbix host the items are sent as; undefined until the cluster's fsid is known. */
  private zabbixHost(): string | undefined {
    if (this.cfg.identifier !== '') return this.cfg.identifier;
    const fsid = this.get('mon_map').fsid;
    return fsid ? zabbixHostName('', fsid) : undefined;
  }

  private newInterval(tally: boolean): Interval | undefined {
    const host = this.zabbixHost();
    if (host === undefined) return undefined;
    const iv = { seq: ++this.seq, host, clock: zabbixClock(Date.now()), total: 0, produced: false, tally };
    if (tally) this.lastInterval = iv;
    return iv;
  }

  /** `items` as the chunks the push loop queues (none when there are no items). */
  private chunks(items: readonly ZabbixItem[], iv: Interval): ItemChunk[] {
    const c = chunkOf(items, iv);
    return c === undefined ? [] : [c];
  }

  /**
   * One interval: discovery when due, then the items in slices, each built
   * and written as a chunk of bytes (item-chunk.ts) when the turn's budget has room.
   */
  private async produce(emit: (items: readonly ItemChunk[]) => Promise<void>, signal: AbortSignal): Promise<void> {
    if (this.cfg.servers.length === 0) return; // MGR_ZABBIX_NO_SERVER says why
    const iv = this.newInterval(true);
    if (iv === undefined) {
      this.log.info('no cluster fsid yet (and no identifier set): nothing sent this interval');
      return;
    }
    this.intervalsSinceDiscovery++;
    const epoch = this.get('osd_map').epoch;
    if (this.intervalsSinceDiscovery >= this.cfg.discoveryInterval || epoch !== this.discoveryEpoch) {
      const d = await this.discoveryItems();
      const text = d.map((i) => i.value).join('\n');
      this.discoveryEpoch = epoch;
      if (this.intervalsSinceDiscovery >= this.cfg.discoveryInterval || text !== this.lastDiscovery) {
        this.intervalsSinceDiscovery = 0;
        this.lastDiscovery = text;
        await this.room(UNITS_PER_TURN); // the LLD JSON escaped and encoded (~0.5 MB at 10,000 OSDs): a turn of its own
        await emit(this.chunks(d, iv));
      }
    }
    await this.readViews(ITEM_SOURCES);
    const slices = itemSlices(this, SLICE_ITEMS);
    const writer = new ChunkWriter(iv);
    await this.room(SLICE_ITEMS);
    let cur = slices.next();
    while (!cur.done && !signal.aborted) {
      await this.room(SLICE_ITEMS);
      for (const it of cur.value) writer.add(it.key, it.value);
      const chunk = writer.take(); // counted in iv.total
      const next = slices.next();
      if (next.done) iv.produced = true; // before the last emit: its answers may come at once
      if (chunk !== undefined) await emit([chunk]);
      cur = next;
    }
  }

  /**
   * Reads the views the items are built from, each in a turn of its own: a view
   * built afresh is the core's work (at 10,000 OSDs df and osd_stats_brief take
   * 10-20 ms each), and none of ours should share its turn. The item slices
   * then read them from the cache.
   */
  private async readViews(names: readonly GetName[]): Promise<void> {
    for (const name of names) {
      await this.room(UNITS_PER_TURN); // the whole budget: this turn, nothing else of ours
      this.get(name);
    }
    await this.room(UNITS_PER_TURN);
  }

  /**
   * The two LLD items: the maps read each in a turn of its own (the first read
   * of a new OSD map finishes freezing it: ~50 ms at 10,000 OSDs, the core's),
   * then discover() alone in a turn, then the JSON in chunks.
   */
  private async discoveryItems(): Promise<ZabbixItem[]> {
    await this.readViews(['osd_map', 'osd_map_crush']);
    return discoveryItemsPaced(discover(this), this.room);
  }

  override async handleCommand(inbuf: string, cmd: CmdMap): Promise<CommandReturn> {
    switch (cmd.prefix) {
      case 'zabbix config-show':
        return [0, JSON.stringify(Object.fromEntries(CONFIG_KEYS.map((k) => [k, this.getModuleOption(k)]).sort(([a], [b]) => String(a).localeCompare(String(b)))), null, 4), ''];
      case 'zabbix config-set':
        return this.configSet(typeof cmd.key === 'string' ? cmd.key : '', typeof cmd.value === 'string' ? cmd.value : '');
      case 'zabbix send':
        return this.sendNow();
      case 'zabbix discovery':
        return this.discoveryNow();
      default:
        return super.handleCommand(inbuf, cmd);
    }
  }

  private async configSet(key: string, value: string): Promise<CommandReturn> {
    if (!CONFIG_KEYS.includes(key)) {
      const hint = key === 'zabbix_sender' ? ': mgrd sends with the Zabbix protocol itself, no zabbix_sender binary is used' : '';
      return [-Errno.EINVAL, '', `${key} is a unknown configuration option (known: ${CONFIG_KEYS.join(', ')})${hint}`];
    }
    if (value.trim() === '') return [-Errno.EINVAL, '', 'Value should not be empty or None'];
    if (key === 'zabbix_host') {
      const { servers, bad } = parseZabbixHosts(value, this.cfg.zabbixPort);
      if (bad.length > 0 || servers.length === 0) return [-Errno.EINVAL, '', `invalid zabbix_host: ${bad.join('; ') || 'no server given'}`];
    }
    try {
      await this.setModuleOption(key, value);
    } catch (err) {
      const errno = (err as { errno?: unknown }).errno;
      return [typeof errno === 'number' ? -Math.abs(errno) : -Errno.EINVAL, '', err instanceof Error ? err.message : String(err)];
    }
    this.configNotify(); // take it now: the command's answer should hold for the next send
    return [0, `Configuration option ${key} updated`, ''];
  }

  private noServer(): CommandReturn {
    return [-Errno.EINVAL, '', 'No Zabbix server configured: set one with `zabbix config-set zabbix_host <host[:port]>`'];
  }

  /** `zabbix send`: an interval now; answers with each server's counts once they are in. */
  private async sendNow(): Promise<CommandReturn> {
    if (this.cfg.servers.length === 0) return this.noServer();
    const end = Date.now() + COMMAND_WAIT_MS;
    // runOnce() starts the interval at once (or joins the one under way) and resolves when it is all queued,
    // which on a big cluster with a slow server can take long: wait for it no longer than for the answers.
    const queued = this.loop.runOnce().catch(() => undefined);
    await Promise.race([queued, new Promise((resolve) => setTimeout(resolve, COMMAND_WAIT_MS))]);
    const iv = this.lastInterval;
    if (iv === undefined) return [-Errno.EAGAIN, '', 'Nothing to send yet: the cluster fsid is not known (set `identifier`, or wait for the cluster maps)'];
    const done = (r: ServerReport): boolean => r.error !== '' || (iv.produced && r.answered >= iv.total);
    let reports = this.delivery.reports(iv.seq);
    while (!reports.every(done) && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      reports = this.delivery.reports(iv.seq);
    }
    return this.answer('Sent', reports.map((r) => ({ ...r, error: r.error || (done(r) ? '' : `still sending after ${COMMAND_WAIT_MS} ms (${r.answered} of ${iv.total} items answered)`) })));
  }

  /** `zabbix discovery`: the two LLD items now, straight to the servers. */
  private async discoveryNow(): Promise<CommandReturn> {
    if (this.cfg.servers.length === 0) return this.noServer();
    const iv = this.newInterval(false);
    if (iv === undefined) return [-Errno.EAGAIN, '', 'Nothing to send yet: the cluster fsid is not known'];
    const d = await this.discoveryItems();
    await this.room(UNITS_PER_TURN); // the LLD JSON escaped and encoded: a turn of its own
    const results = await this.delivery.deliver(this.chunks(d, iv), AbortSignal.any([this.signal, AbortSignal.timeout(COMMAND_WAIT_MS)]));
    if (results.every((r) => r.error === '' && r.failed === 0)) {
      this.lastDiscovery = d.map((i) => i.value).join('\n');
      this.intervalsSinceDiscovery = 0;
    }
    this.publishHealth();
    return this.answer('Sent discovery', results);
  }

  /** One line per server with what it answered; -EIO when a server failed or refused items. */
  private answer(what: string, results: ReadonlyArray<Pick<CallResult, 'server' | 'processed' | 'failed' | 'total' | 'secondsSpent' | 'error'>>): CommandReturn {
    const host = this.zabbixHost() ?? '?';
    const lines = results.map((r) => (r.error !== ''
      ? `${r.server}: ${r.error}`
      : `${what} to ${r.server} as host '${host}': processed: ${r.processed}; failed: ${r.failed}; total: ${r.total}; seconds spent: ${r.secondsSpent.toFixed(6)}`));
    const bad = results.some((r) => r.error !== '' || r.failed > 0);
    return bad ? [-Errno.EIO, lines.join('\n'), `Failed to send data to Zabbix: ${lines.join('; ')}`] : [0, lines.join('\n'), ''];
  }

  /** The loop's checks, plus MGR_ZABBIX_NO_SERVER and the refused items (merged into MGR_ZABBIX_SEND_FAILED). */
  private publishHealth(): void {
    const checks: HealthCheckMap = { ...this.loopChecks };
    if (this.cfg.servers.length === 0) {
      const detail = this.cfg.badServers.length > 0 ? this.cfg.badServers.map((b) => `zabbix_host: ${b}`) : ['Configuration value zabbix_host not configured'];
      checks.MGR_ZABBIX_NO_SERVER = healthCheck('HEALTH_WARN', 'No Zabbix server configured', 1, detail);
    }
    const refusals = this.delivery.refusals();
    if (refusals.length > 0) {
      const failed = refusals.reduce((n, r) => n + r.failed, 0);
      const detail = refusals.flatMap((r) => [
        `${r.server} refused ${r.failed} of ${r.of} items (failed: ${r.failed}): keys its host '${this.zabbixHost() ?? '?'}' does not have or has disabled`,
        r.keys.length > 0
          ? `refused keys: ${r.keys.join(', ')}${r.refusedKeys > r.keys.length ? ` and ${r.refusedKeys - r.keys.length} more` : ''}`
          : `finding the refused keys: ${r.suspects} keys sent in smaller groups at the next intervals`,
      ]);
      const loop = checks.MGR_ZABBIX_SEND_FAILED;
      checks.MGR_ZABBIX_SEND_FAILED = healthCheck('HEALTH_WARN', loop?.summary.message ?? `Zabbix refused ${failed} items (failed: ${failed})`, failed,
        [...(loop?.detail.map((d) => d.message) ?? []), ...detail]);
    }
    const key = JSON.stringify(checks);
    if (key === this.published) return;
    this.published = key;
    this.setHealthChecks(checks);
  }
}
