#!/bin/bash
# A real Ceph 16.2 (Debian packages) cluster on 127.0.0.1 for mgrd's real-cluster
# tests (npm run test:ceph) and bench:ceph: 1 mon (a), 1 mgr (x, prometheus module
# on), 3 memstore OSDs and 1 bluestore OSD on a sparse file, 3 pools plus the
# mgr's device_health_metrics, a few objects. cephx on: client.admin, and
# client.mgrd with the caps the mgrd agent needs (mon 'allow r', mgr 'allow r').
#
# Several of these may run at once on one machine (other test runs):
#   - WORK: the cluster's folder (default: a new mktemp -d); everything is in it:
#     ceph.conf, keyrings, data, logs, admin sockets (WORK/run), PID files.
#   - MON_PORT (msgr2), MON_PORT_V1, PROM_PORT (the real mgr's prometheus module):
#     free ports picked here unless given. OSDs and the mgr bind in Ceph's own
#     ms_bind_port_min..max (MS_PORT_MIN, MS_PORT_MAX; default 6800..7300), where
#     Ceph itself skips ports that are taken.
#   - Nothing outside WORK is written (no /etc/ceph); clients use CEPH_CONF.
# NUM_MEMSTORE (3), NUM_BLUESTORE (1). Packages: scripts/install-test-deps.sh
# (scripts/test-deps/ceph.list); this script installs nothing.
#
# Prints, last, the cluster's environment as shell assignments (also in
# WORK/env.sh): WORK CEPH_CONF CEPH_KEYRING AGENT_KEYRING AGENT_NAME ASOK_DIR
# MON_PORT MON_PORT_V1 PROM_PORT. Stop it with down.sh WORK (by the PIDs it recorded).
set -euo pipefail

export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
PY=/usr/bin/python3   # the ceph CLI's interpreter (has the rados bindings)
for b in ceph ceph-mon ceph-mgr ceph-osd ceph-authtool monmaptool rados; do
  command -v "$b" >/dev/null || { echo "up.sh: $b not found: install with sudo ./scripts/install-test-deps.sh (ceph-mon ceph-mgr ceph-osd ceph-common ceph-mgr-modules-core)" >&2; exit 2; }
done

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WORK="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/mgrd-ceph.XXXXXX")}"
WORK="$(cd "$WORK" && pwd)"
MON_PORT="${MON_PORT:-$(free_port)}"
MON_PORT_V1="${MON_PORT_V1:-$(free_port)}"
PROM_PORT="${PROM_PORT:-$(free_port)}"
MS_PORT_MIN="${MS_PORT_MIN:-6800}"
MS_PORT_MAX="${MS_PORT_MAX:-7300}"
NUM_MEMSTORE="${NUM_MEMSTORE:-3}"
NUM_BLUESTORE="${NUM_BLUESTORE:-1}"
CONF="$WORK/ceph.conf"
T0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[up.sh +$(since "$T0")s] $*" >&2; }

for f in "$WORK"/run/*.pid; do
  [ -e "$f" ] || continue
  if kill -0 "$(cat "$f")" 2>/dev/null; then echo "up.sh: $f is running; run down.sh $WORK first" >&2; exit 1; fi
done
rm -rf "${WORK:?}"/{run,log,mon,mgr,osd}
mkdir -p "$WORK"/{run,log,mon,mgr,osd}
# Stop what was started if this script fails half way.
trap 'rc=$?; if [ $rc != 0 ]; then log "failed (exit $rc); stopping what was started"; "$(dirname "$0")/down.sh" "$WORK" >&2 || true; fi' EXIT

FSID=$($PY -c 'import uuid; print(uuid.uuid4())')
MON_ADDR="[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_PORT_V1]"
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon_host = $MON_ADDR
public_addr = 127.0.0.1
public_network = 127.0.0.0/8
cluster_network = 127.0.0.0/8
ms_bind_ipv6 = false
ms_bind_port_min = $MS_PORT_MIN
ms_bind_port_max = $MS_PORT_MAX
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
run_dir = $WORK/run
admin_socket = \$run_dir/\$cluster-\$name.asok
pid_file = $WORK/run/\$name.pid
log_file = $WORK/log/\$name.log
log_to_stderr = false
err_to_stderr = false
keyring = $WORK/\$cluster.\$name.keyring
osd_pool_default_size = 2
osd_pool_default_min_size = 1
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
mon_data_avail_warn = 2
mon_data_avail_crit = 1
mon_warn_on_insecure_global_id_reclaim_allowed = false
auth_allow_insecure_global_id_reclaim = false
# a stopped OSD is marked down at once (the tests stop one), not out before an hour
osd_heartbeat_grace = 6
# OSD_SLOW_PING_TIME_* warns above this many ms (by default 5 % of the grace: 300 ms with
# the grace above, which a loaded 2-core CI machine exceeds, and the cluster is not
# HEALTH_OK for minutes after; the failure of the session-9 CI run)
mon_warn_on_slow_ping_time = 2000
mon_osd_down_out_interval = 3600

[mon]
mon_data = $WORK/mon/\$cluster-\$id
mon_cluster_log_file = $WORK/log/cluster.log
keyring = \$mon_data/keyring

[mgr]
mgr_data = $WORK/mgr/\$cluster-\$id
keyring = \$mgr_data/keyring

[osd]
osd_data = $WORK/osd/\$cluster-\$id
keyring = \$osd_data/keyring
osd_objectstore = memstore
memstore_device_bytes = 2147483648
osd_memory_target = 939524096
EOF
for n in $(seq "$NUM_MEMSTORE" $((NUM_MEMSTORE + NUM_BLUESTORE - 1))); do
  cat >> "$CONF" <<EOF

[osd.$n]
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = $((4 * 1024 * 1024 * 1024))
bluestore_fsck_on_mount = false
EOF
done
export CEPH_CONF="$CONF"
ADMIN_KEYRING="$WORK/ceph.client.admin.keyring"
AGENT_KEYRING="$WORK/ceph.client.mgrd.keyring"

# ---------------------------------------------------------------- mon
t=$(date +%s.%N)
ceph-authtool --create-keyring "$WORK/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$ADMIN_KEYRING" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool --create-keyring "$AGENT_KEYRING" --gen-key -n client.mgrd --cap mon 'allow r' --cap mgr 'allow r' >/dev/null
ceph-authtool "$WORK/mon.keyring" --import-keyring "$ADMIN_KEYRING" >/dev/null
ceph-authtool "$WORK/mon.keyring" --import-keyring "$AGENT_KEYRING" >/dev/null
monmaptool --create --fsid "$FSID" --addv a "$MON_ADDR" "$WORK/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$WORK/monmap" --keyring "$WORK/mon.keyring"
ceph-mon -i a   # daemonizes; WORK/run/mon.a.pid
for _ in $(seq 120); do ceph --connect-timeout 2 mon stat >/dev/null 2>&1 && break; sleep 0.25; done
log "mon up ($(since "$t")s)"

# ---------------------------------------------------------------- mgr
t=$(date +%s.%N)
# --force: the mon does not know the module's options until a mgr reported them.
ceph config set mgr mgr/prometheus/server_addr 127.0.0.1 --force
ceph config set mgr mgr/prometheus/server_port "$PROM_PORT" --force
ceph config set mgr mgr/prometheus/scrape_interval 5 --force
ceph mgr module enable prometheus --force >/dev/null
mkdir -p "$WORK/mgr/ceph-x"
ceph auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' -o "$WORK/mgr/ceph-x/keyring"
ceph-mgr -i x

# ---------------------------------------------------------------- osds (memstore mkfs is instant; bluestore takes a few s)
TOTAL=$((NUM_MEMSTORE + NUM_BLUESTORE))
for n in $(seq 0 $((TOTAL - 1))); do
  uuid=$($PY -c 'import uuid; print(uuid.uuid4())')
  id=$(ceph osd new "$uuid")
  mkdir -p "$WORK/osd/ceph-$id"
  ceph auth get-or-create "osd.$id" mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *' -o "$WORK/osd/ceph-$id/keyring"
  ( ceph-osd -i "$id" --mkfs --osd-uuid "$uuid" > "$WORK/log/osd.$id.mkfs.out" 2>&1 && ceph-osd -i "$id" ) &
done
wait
for _ in $(seq 240); do
  up=$(ceph osd stat -f json | $PY -c 'import json,sys; print(json.load(sys.stdin)["num_up_osds"])')
  [ "$up" = "$TOTAL" ] && break
  sleep 0.25
done
[ "$up" = "$TOTAL" ] || { echo "up.sh: only $up of $TOTAL OSDs came up" >&2; exit 1; }
log "mgr started, $TOTAL osds up ($(since "$t")s)"

# ---------------------------------------------------------------- pools, objects
t=$(date +%s.%N)
ceph osd pool create data 32 32 >/dev/null
ceph osd pool create meta 16 16 >/dev/null
ceph osd pool create single 8 8 >/dev/null
ceph osd pool set single size 1 --yes-i-really-mean-it >/dev/null
for p in data meta single; do ceph osd pool application enable "$p" rados >/dev/null; done
ceph osd pool set-quota meta max_objects 10000 >/dev/null
all_clean() {
  ceph pg stat -f json 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin); s = d.get("pg_summary", d)
n = s["num_pgs"]; c = sum(x["num"] for x in s.get("num_pg_by_state", []) if x["name"] == "active+clean")
sys.exit(0 if n and n == c and n >= 56 else 1)'
}
for _ in $(seq 240); do all_clean && break; sleep 0.5; done
all_clean || { echo "up.sh: PGs not active+clean: $(ceph pg stat)" >&2; exit 1; }
head -c 262144 /dev/urandom > "$WORK/obj"
for i in 1 2 3 4; do rados -p meta put "obj-$i" "$WORK/obj"; done
rados -p single put one "$WORK/obj"
rados -p data put one "$WORK/obj"
for _ in $(seq 120); do curl -fsS -o /dev/null "http://127.0.0.1:$PROM_PORT/metrics" 2>/dev/null && break; sleep 0.5; done
log "pools active+clean, objects written, prometheus module answering ($(since "$t")s)"

cat > "$WORK/env.sh" <<EOF
WORK=$WORK
CEPH_CONF=$CONF
CEPH_KEYRING=$ADMIN_KEYRING
AGENT_KEYRING=$AGENT_KEYRING
AGENT_NAME=client.mgrd
ASOK_DIR=$WORK/run
MON_PORT=$MON_PORT
MON_PORT_V1=$MON_PORT_V1
PROM_PORT=$PROM_PORT
EOF
log "up in $(since "$T0")s"
cat "$WORK/env.sh"
