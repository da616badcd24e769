// The OSD objectstore the benchmarks simulate. The simulator's default is
// bluestore (production clusters run it: 624 counters, 153 values per report at
// threshold 5); the recorded figures and issue 2's targets (bench/RESULTS.md)
// are for the reference's memstore OSD schema (414 counters, 45 values), so the
// benchmarks keep it unless MGRD_BENCH_OBJECTSTORE says otherwise
// (memstore, bluestore or mixed).

import { checkObjectstoreMode, type ObjectstoreMode } from '../../src/sim/model/objectstore.js';

export const BENCH_OBJECTSTORE: ObjectstoreMode = checkObjectstoreMode(process.env.MGRD_BENCH_OBJECTSTORE ?? 'memstore');
