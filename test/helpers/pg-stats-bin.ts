// The FrameError a PG_STATS_BIN decoder refuses a payload with (a test fails when it is accepted).

import { FrameError } from '../../src/protocol/frames.js';
import type { PgStatsDecoder } from '../../src/protocol/pg-stats-codec.js';

export function refusalOf(decoder: PgStatsDecoder, payload: Buffer, version: number): FrameError {
  try {
    decoder.decode(payload, version);
  } catch (err) {
    if (err instanceof FrameError) return err;
    throw err;
  }
  throw new Error(`a payload of ${payload.length} bytes was accepted`);
}
