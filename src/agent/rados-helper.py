#!/usr/bin/python3
# mgrd agent's link to a Ceph cluster: one long-lived librados client (the
# python3-rados bindings the `ceph` CLI itself uses) answering commands read
# from stdin, so the agent pays Python's start and the cluster handshake once,
# not per command (docs/decisions.md: the `ceph` CLI costs ~0.3 s of CPU a call).
#
# argv[1]: JSON {"conf": path, "name": "client.x", "keyring": path|null,
#                "connect_timeout_s": n, "mon_op_timeout_s": n}
# stdin:   one JSON request a line: {"id": n, "target": "mon"|"mgr", "cmd": {...cmdmap}}
# stdout:  per answer a JSON head line {"id": n, "r": errno, "outs": "...", "len": N}
#          followed by exactly N bytes of outbuf. id 0 is the connection result
#          ({"r": 0, "fsid": ...} or {"r": -errno, "outs": why}, then exit 1).
# Each request runs on its own thread: a slow `pg dump` never holds the others
# (librados releases the GIL while it waits). EOF on stdin: disconnect, exit 0.
import errno
import json
import sys
import threading

out = sys.stdout.buffer
lock = threading.Lock()


def reply(rid, r, outs, outb=b'', **extra):
    head = dict(id=rid, r=r, outs=outs, len=len(outb), **extra)
    data = json.dumps(head).encode() + b'\n' + outb
    with lock:
        out.write(data)
        out.flush()


def main():
    opts = json.loads(sys.argv[1])
    try:
        import rados
    except ImportError as e:
        reply(0, -errno.ENOENT, 'python3-rados is not installed (%s): apt-get install python3-rados' % e)
        return 1
    conf = {'rados_mon_op_timeout': str(opts.get('mon_op_timeout_s', 10))}
    if opts.get('keyring'):
        conf['keyring'] = opts['keyring']
    try:
        cluster = rados.Rados(conffile=opts['conf'], name=opts.get('name') or 'client.admin', conf=conf)
        # connect() has no working timeout of its own: client_mount_timeout bounds it.
        cluster.conf_set('client_mount_timeout', str(opts.get('connect_timeout_s', 10)))
        cluster.connect()
    except rados.Error as e:
        reply(0, -(getattr(e, 'errno', None) or errno.EIO), str(e))
        return 1
    reply(0, 0, '', fsid=cluster.get_fsid())

    def run(req):
        rid = req.get('id', -1)
        try:
            cmd = json.dumps(req['cmd'])
            if req.get('target') == 'mgr':
                r, outb, outs = cluster.mgr_command(cmd, b'')
            else:
                r, outb, outs = cluster.mon_command(cmd, b'')
            reply(rid, r, outs, outb if isinstance(outb, bytes) else outb.encode())
        except rados.Error as e:
            reply(rid, -(getattr(e, 'errno', None) or errno.EIO), str(e))
        except Exception as e:  # a bad request: answer it, keep serving
            reply(rid, -errno.EINVAL, '%s: %s' % (type(e).__name__, e))

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as e:
            reply(-1, -errno.EINVAL, 'bad request line: %s' % e)
            continue
        threading.Thread(target=run, args=(req,), daemon=True).start()
    cluster.shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
