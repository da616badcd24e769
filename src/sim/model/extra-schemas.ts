// Perf schemas for the MDS and RGW daemons. Not captured from the reference
// cluster (it ran neither), so a subset written here with Ceph's real section
// and counter names, types and priorities (src/mds/MDSRank.cc, Server.cc,
// MDLog.cc, SessionMap.cc; src/rgw/rgw_perf_counters.cc in Pacific).

import type { PerfSchemaJson, SchemaEntry } from './counter-layout.js';

const U64 = 2;
const U64_COUNTER = 10;
const TIME_AVG = 5;

function c(type: number, priority: number, description: string, nick = '', units = 'none'): SchemaEntry {
  return { type, priority, description, nick, units };
}

export const MDS_SCHEMA: PerfSchemaJson = {
  mds: {
    request: c(U64_COUNTER, 10, 'Requests', 'req'),
    reply: c(U64_COUNTER, 8, 'Replies'),
    reply_latency: c(TIME_AVG, 10, 'Reply latency', 'rlat'),
    slow_reply: c(U64_COUNTER, 5, 'Slow replies'),
    forward: c(U64_COUNTER, 8, 'Forwarding request', 'fwd'),
    dir_fetch: c(U64_COUNTER, 8, 'Directory fetch', 'dirf'),
    dir_commit: c(U64_COUNTER, 8, 'Directory commit', 'dirc'),
    dir_split: c(U64_COUNTER, 8, 'Directory split', 'dspl'),
    dir_merge: c(U64_COUNTER, 8, 'Directory merge', 'dmrg'),
    inodes: c(U64, 10, 'Inodes', 'inos'),
    inodes_top: c(U64, 5, 'Inodes on top'),
    inodes_bottom: c(U64, 5, 'Inodes on bottom'),
    inodes_pinned: c(U64, 5, 'Inodes pinned'),
    inodes_expired: c(U64_COUNTER, 5, 'Inodes expired'),
    caps: c(U64, 8, 'Capabilities', 'caps'),
    subtrees: c(U64, 10, 'Subtrees', 'subt'),
    traverse: c(U64_COUNTER, 5, 'Traverses'),
    traverse_hit: c(U64_COUNTER, 5, 'Traverse hits'),
    load_cent: c(U64_COUNTER, 5, 'Load per cent'),
    q: c(U64, 5, 'Dispatch queue length', 'q'),
    exported_inodes: c(U64_COUNTER, 8, 'Exported inodes', 'exi'),
    imported_inodes: c(U64_COUNTER, 8, 'Imported inodes', 'imi'),
  },
  mds_cache: {
    num_strays: c(U64, 8, 'Stray dentries', 'stry'),
    num_recovering_processing: c(U64, 5, 'Files currently being recovered'),
    num_recovering_enqueued: c(U64, 5, 'Files waiting for recovery'),
  },
  mds_log: {
    ev: c(U64, 8, 'Events', 'evts'),
    evadd: c(U64_COUNTER, 8, 'Events submitted', 'subm'),
    seg: c(U64, 8, 'Segments', 'segs'),
    segadd: c(U64_COUNTER, 5, 'Segments added'),
    jlat: c(TIME_AVG, 5, 'Journaler flush latency'),
    wrpos: c(U64, 5, 'Journaler  write position', '', 'bytes'),
  },
  mds_mem: {
    ino: c(U64, 8, 'Inodes', 'ino'),
    dn: c(U64, 8, 'Dentries', 'dn'),
    cap: c(U64, 5, 'Capabilities'),
    rss: c(U64, 8, 'RSS', '', 'bytes'),
    heap: c(U64, 5, 'Heap size', '', 'bytes'),
  },
  mds_server: {
    handle_client_request: c(U64_COUNTER, 8, 'Client requests', 'hcr'),
    handle_client_session: c(U64_COUNTER, 8, 'Client session messages', 'hcs'),
    handle_slave_request: c(U64_COUNTER, 8, 'Slave requests', 'hsr'),
    dispatch_client_request: c(U64_COUNTER, 5, 'Client requests dispatched'),
    req_getattr_latency: c(TIME_AVG, 5, 'Request type get attribute latency'),
    req_lookup_latency: c(TIME_AVG, 5, 'Request type lookup latency'),
    req_create_latency: c(TIME_AVG, 5, 'Request type create latency'),
    req_readdir_latency: c(TIME_AVG, 5, 'Request type read directory latency'),
  },
  mds_sessions: {
    session_count: c(U64, 8, 'Session count', 'sess'),
    session_add: c(U64_COUNTER, 8, 'Sessions added', 'sadd'),
    session_remove: c(U64_COUNTER, 8, 'Sessions removed', 'srem'),
    sessions_open: c(U64, 5, 'Sessions currently open'),
    sessions_stale: c(U64, 5, 'Sessions currently stale'),
    total_load: c(U64, 5, 'Total Load'),
  },
  objecter: {
    op_active: c(U64, 7, 'Operations active', 'actv'),
    op_r: c(U64_COUNTER, 7, 'Read operations', 'rd'),
    op_w: c(U64_COUNTER, 7, 'Write operations', 'wr'),
    op_rmw: c(U64_COUNTER, 5, 'Read-modify-write operations', 'rdwr'),
  },
};

export const RGW_SCHEMA: PerfSchemaJson = {
  rgw: {
    req: c(U64_COUNTER, 5, 'Requests'),
    failed_req: c(U64_COUNTER, 5, 'Aborted requests'),
    get: c(U64_COUNTER, 5, 'Gets'),
    get_b: c(U64_COUNTER, 5, 'Size of gets', '', 'bytes'),
    get_initial_lat: c(TIME_AVG, 5, 'Get latency'),
    put: c(U64_COUNTER, 5, 'Puts'),
    put_b: c(U64_COUNTER, 5, 'Size of puts', '', 'bytes'),
    put_initial_lat: c(TIME_AVG, 5, 'Put latency'),
    qlen: c(U64, 5, 'Queue length'),
    qactive: c(U64, 5, 'Active requests queue'),
    cache_hit: c(U64_COUNTER, 5, 'Cache hits'),
    cache_miss: c(U64_COUNTER, 5, 'Cache miss'),
    keystone_token_cache_hit: c(U64_COUNTER, 5, 'Keystone token cache hits'),
    keystone_token_cache_miss: c(U64_COUNTER, 5, 'Keystone token cache miss'),
    gc_retire_object: c(U64_COUNTER, 5, 'GC object retires'),
    lc_expire_current: c(U64_COUNTER, 5, 'Lifecycle current expiration'),
    lc_expire_noncurrent: c(U64_COUNTER, 5, 'Lifecycle non-current expiration'),
    lc_expire_dm: c(U64_COUNTER, 5, 'Lifecycle delete-marker expiration'),
    lc_transition_current: c(U64_COUNTER, 5, 'Lifecycle current transition'),
    lc_transition_noncurrent: c(U64_COUNTER, 5, 'Lifecycle non-current transition'),
    lc_abort_mpu: c(U64_COUNTER, 5, 'Lifecycle abort multipart upload'),
    pubsub_event_triggered: c(U64_COUNTER, 5, 'Pubsub events with at least one topic'),
    pubsub_event_lost: c(U64_COUNTER, 5, 'Pubsub events lost'),
    pubsub_store_ok: c(U64_COUNTER, 5, 'Pubsub events successfully stored'),
    pubsub_store_fail: c(U64_COUNTER, 5, 'Pubsub events failed to be stored'),
    pubsub_events: c(U64, 5, 'Pubsub events in store'),
    pubsub_push_ok: c(U64_COUNTER, 5, 'Pubsub events pushed to an endpoint'),
    pubsub_push_failed: c(U64_COUNTER, 5, 'Pubsub events failed to be pushed to an endpoint'),
    pubsub_push_pending: c(U64, 5, 'Pubsub events pending reply from endpoint'),
    pubsub_missing_conf: c(U64_COUNTER, 5, 'Pubsub events could not be handled because of missing configuration'),
  },
  objecter: {
    op_active: c(U64, 7, 'Operations active', 'actv'),
    op_r: c(U64_COUNTER, 7, 'Read operations', 'rd'),
    op_w: c(U64_COUNTER, 7, 'Write operations', 'wr'),
    op_rmw: c(U64_COUNTER, 5, 'Read-modify-write operations', 'rdwr'),
  },
};
