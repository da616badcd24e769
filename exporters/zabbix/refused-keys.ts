// Which keys does a Zabbix server refuse? Its answer only counts them ("failed:
// 3"), and sending a value twice would store it twice, so the keys are found
// over the next intervals instead: the keys of a request that had failures are
// sent in `fanout` smaller requests next time, the groups that fail again are
// split again, until a key fails alone. A request where every key failed
// names them all at once (a host without the template, a disabled item).
// Known refused keys travel together in one request; when it stops failing
// they are cleared (when only some still fail, they are narrowed down again).
// Pure: the caller sends what plan() returns and reports each answer to record().

export const NORMAL = 0;
export const REFUSED = -1;

export interface PlannedRequest<T> {
  readonly items: T[];
  /** NORMAL, REFUSED, or a suspect group (> 0). */
  readonly group: number;
}

export class RefusedKeyFinder {
  private readonly suspects = new Map<string, number>();
  private readonly refused = new Set<string>();
  private nextGroup = 1;

  constructor(
    private readonly fanout = 16,
    /** Most keys under investigation at once (more failures are only counted). */
    private readonly maxSuspects = 8192,
    private readonly maxRefused = 100_000,
  ) {}

  /** One request's worth of items split into requests: the unsuspected together, each suspect group and the refused keys apart. */
  plan<T extends { key: string }>(items: readonly T[]): Array<PlannedRequest<T>> {
    if (this.idle) return [{ items: [...items], group: NORMAL }];
    const byGroup = new Map<number, T[]>();
    for (const it of items) {
      const g = this.refused.has(it.key) ? REFUSED : (this.suspects.get(it.key) ?? NORMAL);
      let list = byGroup.get(g);
      if (list === undefined) byGroup.set(g, (list = []));
      list.push(it);
    }
    return [...byGroup].map(([group, list]) => ({ items: list, group }));
  }

  /** The server's answer to one planned request. */
  record(keys: readonly string[], group: number, failed: number): void {
    if (group > 0) for (const k of keys) this.suspects.delete(k);
    if (group === REFUSED) {
      if (failed === keys.length) return; // all still refused
      for (const k of keys) this.refused.delete(k);
      if (failed > 0) this.split(keys);
      return;
    }
    if (failed <= 0) return;
    if (failed >= keys.length) {
      for (const k of keys) if (this.refused.size < this.maxRefused) this.refused.add(k);
      return;
    }
    this.split(keys);
  }

  /** Keys known to be refused, in the order they were found (first `n`). */
  refusedKeys(n = Infinity): string[] {
    const out: string[] = [];
    for (const k of this.refused) {
      if (out.length >= n) break;
      out.push(k);
    }
    return out;
  }

  get refusedCount(): number {
    return this.refused.size;
  }

  /** Nothing refused or under investigation: a request goes whole, with no per-key work. */
  get idle(): boolean {
    return this.suspects.size === 0 && this.refused.size === 0;
  }

  /** Keys still being narrowed down. */
  get suspectCount(): number {
    return this.suspects.size;
  }

  private split(keys: readonly string[]): void {
    const room = this.maxSuspects - this.suspects.size;
    if (room <= 0) return;
    const take = keys.slice(0, room);
    const size = Math.max(1, Math.ceil(take.length / this.fanout));
    for (let i = 0; i < take.length; i += size) {
      const g = this.nextGroup++;
      for (const k of take.slice(i, i + size)) this.suspects.set(k, g);
    }
  }
}
