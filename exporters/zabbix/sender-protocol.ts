// The trapper's "sender data" request and its answer, pure (what zabbix_sender
// puts inside a ZBXD frame):
//   {"request":"sender data","data":[{"host":H,"key":K,"value":V,"clock":S,"ns":N},...],"clock":S,"ns":N}
//   {"response":"success","info":"processed: 95; failed: 1; total: 96; seconds spent: 0.000100"}
// Each item carries the time it was collected (so a retried batch keeps its
// values' times); the request carries the time it was sent, from which the
// server corrects for clock skew, as zabbix_sender -T does.

/** One value for the trapper: key as the template has it, value as text (the server parses it by the item's type). */
export interface ZabbixItem {
  readonly key: string;
  readonly value: string;
}

/** A moment as the trapper takes it: unix seconds and nanoseconds within the second. */
export interface ZabbixClock {
  readonly clock: number;
  readonly ns: number;
}

export function zabbixClock(ms: number): ZabbixClock {
  const clock = Math.floor(ms / 1000);
  return { clock, ns: Math.round((ms - clock * 1000) * 1e6) };
}

/** An item as sent: which Zabbix host it belongs to, and when it was collected. */
export interface SenderItem extends ZabbixItem {
  readonly host: string;
  readonly clock: ZabbixClock;
}

/** Writes items as JSON objects; the host's escaping is reused while it does not change (one host per interval). */
class ItemWriter {
  private host: string | undefined;
  private head = '';

  write(it: SenderItem): string {
    if (it.host !== this.host) {
      this.host = it.host;
      this.head = `{"host":${JSON.stringify(it.host)},"key":`;
    }
    return `${this.head}${JSON.stringify(it.key)},"value":${JSON.stringify(it.value)},"clock":${it.clock.clock},"ns":${it.clock.ns}}`;
  }
}

const requestHead = '{"request":"sender data","data":[';
const requestTail = (sent: ZabbixClock): string => `],"clock":${sent.clock},"ns":${sent.ns}}`;

/** The items' JSON objects, comma-separated (what goes between the request's brackets). */
export function senderItemsJson(items: readonly SenderItem[]): string {
  const w = new ItemWriter();
  return items.map((it) => w.write(it)).join(',');
}

/** The request for `items`, sent at `sent`, in one piece (strings JSON-escaped). */
export function senderRequest(items: readonly SenderItem[], sent: ZabbixClock): string {
  return `${requestHead}${senderItemsJson(items)}${requestTail(sent)}`;
}

const COMMA = Buffer.from(',', 'latin1');
const REQUEST_HEAD = Buffer.from(requestHead, 'latin1');

/**
 * The request whose items are `data` (pieces of comma-separated item objects,
 * as item-chunk.ts writes them), sent at `sent`: the pieces go to the socket
 * as they are, between the request's head and tail, never joined.
 */
export function senderRequestPieces(data: readonly Buffer[], sent: ZabbixClock): Buffer[] {
  const out: Buffer[] = [REQUEST_HEAD];
  for (let i = 0; i < data.length; i++) {
    if (i > 0) out.push(COMMA);
    out.push(data[i]!);
  }
  out.push(Buffer.from(requestTail(sent), 'latin1'));
  return out;
}

export interface SenderResult {
  /** "success" when the server took the request (items may still have failed). */
  readonly response: string;
  readonly processed: number;
  readonly failed: number;
  readonly total: number;
  readonly secondsSpent: number;
  /** The server's sentence, as it wrote it. */
  readonly info: string;
}

export class SenderResponseError extends Error {
  override readonly name = 'SenderResponseError';
}

const INFO_RE = /processed:\s*(\d+);\s*failed:\s*(\d+);\s*total:\s*(\d+);\s*seconds spent:\s*([0-9.]+)/;

/** The server's answer; throws SenderResponseError for anything that is not one. */
export function parseSenderResponse(data: Buffer): SenderResult {
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new SenderResponseError(`Zabbix server answered with bad JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SenderResponseError('Zabbix server answered with something other than an object');
  const { response, info } = doc as { response?: unknown; info?: unknown };
  if (typeof response !== 'string') throw new SenderResponseError('Zabbix server answer has no "response"');
  const text = typeof info === 'string' ? info : '';
  if (response !== 'success') {
    throw new SenderResponseError(`Zabbix server refused the request: ${response}${text === '' ? '' : ` (${text})`}`);
  }
  const m = INFO_RE.exec(text);
  if (m === null) throw new SenderResponseError(`Zabbix server answer has no counts: info ${JSON.stringify(text)}`);
  return { response, processed: Number(m[1]), failed: Number(m[2]), total: Number(m[3]), secondsSpent: Number(m[4]), info: text };
}
