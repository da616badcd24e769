// Commands the simulated cluster's agents send to the manager as a client,
// not as a daemon: ceph-crash posting crash reports (`crash post`, as
// client.crash), the disk-failure predictor setting a device's life
// expectancy (`device set-life-expectancy`, as client.admin). The model
// queues them; the runner sends them and puts back what it could not send.

export interface OutboxItem {
  /** The entity that sends it ("client.crash"). */
  entity: string;
  cmd: Record<string, unknown>;
  inbuf?: string;
}

/** Items kept at most (the oldest go first). */
const MAX_ITEMS = 1000;

export class Outbox {
  private readonly items: OutboxItem[] = [];

  push(item: OutboxItem): void {
    this.items.push(item);
    if (this.items.length > MAX_ITEMS) this.items.shift();
  }

  /** Removes and returns the items of one entity, in order. */
  take(entity: string): OutboxItem[] {
    const mine = this.items.filter((i) => i.entity === entity);
    if (mine.length > 0) this.items.splice(0, this.items.length, ...this.items.filter((i) => i.entity !== entity));
    return mine;
  }

  /** Puts back items that could not be sent, ahead of newer ones. */
  putBack(items: readonly OutboxItem[]): void {
    this.items.unshift(...items);
    if (this.items.length > MAX_ITEMS) this.items.splice(MAX_ITEMS);
  }

  get size(): number {
    return this.items.length;
  }
}
