// A Chromium trace (DevTools protocol Tracing domain) of the page's main thread:
// each task's wall time (`dur`) and the CPU time its thread got (`tdur`, thread
// ticks). On a loaded machine the Long Tasks API's durations are wall time, and
// a 40 ms task waiting for a core becomes a 250 ms "long task"; the trace tells
// the page's own work apart from the wait. Used by the dashboard's scale test.

import type { Browser, CDPSession } from 'playwright-core';

/** One task on the renderer's main thread, in microseconds of the trace clock. */
export interface TraceTask {
  ts: number;
  dur: number;
  /** CPU time of the thread during the task (µs). */
  tdur: number;
}

export interface MainThreadTrace {
  tasks: TraceTask[];
  /** Trace time (µs) minus page time (performance.now() ms × 1000), from a user-timing mark. */
  offsetUs: number;
  dataLoss: boolean;
}

interface RawEvent { name?: string; cat?: string; ph?: string; pid?: number; tid?: number; ts?: number; dur?: number; tdur?: number; args?: { data?: { startTime?: number } } }

const CATEGORIES = ['disabled-by-default-devtools.timeline', 'blink.user_timing'];
const MAX_TRACE_BYTES = 512 * 1024 * 1024;

/**
 * Starts tracing the browser; the returned function stops it and returns the main-thread tasks of the
 * renderer where `performance.mark(markName)` was called (call it in the page before stopping).
 */
export async function startMainThreadTrace(browser: Browser, markName: string): Promise<() => Promise<MainThreadTrace>> {
  const cdp = await browser.newBrowserCDPSession();
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { recordMode: 'recordAsMuchAsPossible', includedCategories: CATEGORIES },
  });
  return async () => {
    const complete = new Promise<{ stream?: string; dataLossOccurred: boolean }>((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    const { stream, dataLossOccurred } = await complete;
    if (!stream) throw new Error('Tracing.tracingComplete without a stream');
    const text = await readStream(cdp, stream);
    await cdp.detach();
    return mainThreadTasks(text, markName, dataLossOccurred);
  };
}

async function readStream(cdp: CDPSession, handle: string): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    const r = await cdp.send('IO.read', { handle, size: 4 * 1024 * 1024 });
    const chunk = Buffer.from(r.data, r.base64Encoded ? 'base64' : 'utf8');
    size += chunk.length;
    if (size > MAX_TRACE_BYTES) throw new Error(`trace over ${MAX_TRACE_BYTES} bytes`);
    parts.push(chunk);
    if (r.eof) break;
  }
  await cdp.send('IO.close', { handle });
  return Buffer.concat(parts).toString('utf8');
}

/** The tasks (RunTask events) of the thread that recorded the mark, and the page-to-trace clock offset. */
export function mainThreadTasks(text: string, markName: string, dataLoss: boolean): MainThreadTrace {
  const parsed = JSON.parse(text) as RawEvent[] | { traceEvents: RawEvent[] };
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const mark = events.find((e) => e.name === markName && e.cat?.includes('blink.user_timing') && e.args?.data?.startTime !== undefined);
  if (!mark || mark.ts === undefined) throw new Error(`user-timing mark ${markName} not in the trace`);
  const tasks: TraceTask[] = [];
  for (const e of events) {
    if (e.name !== 'RunTask' || e.ph !== 'X' || e.pid !== mark.pid || e.tid !== mark.tid) continue;
    if (e.ts === undefined || e.dur === undefined) continue;
    if (e.tdur === undefined) throw new Error('trace tasks without thread time (tdur): this platform has no thread CPU clock');
    tasks.push({ ts: e.ts, dur: e.dur, tdur: e.tdur });
  }
  return { tasks, offsetUs: mark.ts - mark.args!.data!.startTime! * 1000, dataLoss };
}

/** The main-thread task that overlaps a page-clock interval (ms) the most, if any. */
export function taskAt(trace: MainThreadTrace, startMs: number, durationMs: number): TraceTask | undefined {
  const a = startMs * 1000 + trace.offsetUs;
  const b = a + durationMs * 1000;
  let best: TraceTask | undefined;
  let bestOverlap = 0;
  for (const t of trace.tasks) {
    const overlap = Math.min(b, t.ts + t.dur) - Math.max(a, t.ts);
    if (overlap > bestOverlap) {
      best = t;
      bestOverlap = overlap;
    }
  }
  return best && bestOverlap >= (b - a) / 2 ? best : undefined;
}
