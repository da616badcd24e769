// Default listeners of `mgrd run`. The wire port sits outside Ceph's daemon
// range (ms_bind_port_min..max = 6800-7300), where every OSD, MDS and mgr of a
// host binds, so mgrd can run on a Ceph host (docs/decisions.md). The admin
// HTTP port binds loopback only: Ceph daemons bind their public and cluster
// addresses, never 127.0.0.1 on a real host.

export const DEFAULT_DAEMON_PORT = 7450;
export const DEFAULT_DAEMON_ADDR = `0.0.0.0:${DEFAULT_DAEMON_PORT}`;
export const DEFAULT_ADMIN_ADDR = '127.0.0.1:7000';
