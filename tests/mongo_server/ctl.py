#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Start and stop the test server for ctest fixtures and scripts.

    /usr/bin/python3 tests/mongo_server/ctl.py start --dir DIR [--port P] [--replset NAME]
                                                     [--persist] [--verbose]
    /usr/bin/python3 tests/mongo_server/ctl.py stop --dir DIR
    /usr/bin/python3 tests/mongo_server/ctl.py status --dir DIR

start runs server.py in the background (its output goes to DIR/mongodb.log,
so it holds no pipe of the caller's open), waits up to 10 s for it to
listen, then writes DIR/mongodb.uri (one line, no newline needed by
readers: it ends with one) and prints the URI:

    mongodb://127.0.0.1:PORT/?serverSelectionTimeoutMS=5000
    mongodb://127.0.0.1:PORT/?replicaSet=NAME&serverSelectionTimeoutMS=5000

With --port P it binds that port again (a restart after stop). With
--persist the server keeps its data in DIR/mongodb.data (server.py --data):
it loads the file when it starts, if there is one, and saves its whole
store there (committed data only) whenever it stops, so `stop` then
`start --persist --port P` is a restart on the same port with the same
data. Without --persist data lives in memory only and a restart is empty.

stop sends SIGTERM to the process in DIR/mongodb.pid (after checking it is
the test server), waits for it to exit (SIGKILL after 30 s; a server saving
its data takes that long only when it hangs) and removes the pid and port
files; the URI file stays so a test can see the refused connection, and
so does mongodb.data.

A server may also stop on its own (the docrelStopServer fail point, see
failpoints.py): it saves its data and removes its pid and port files before
it closes its connections, so once a client sees its connection drop,
status says stopped and start can run at once. status prints "running pid
N port P" (exit 0) or "stopped" (exit 3)."""

import argparse
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = '/usr/bin/python3'


def _paths(d):
    return {k: os.path.join(d, 'mongodb.' + k) for k in ('uri', 'port', 'pid', 'log', 'data')}


def _write(path, text):
    tmp = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def _read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _is_our_server(pid):
    """True if pid is a live (not zombie) server.py process."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            cmdline = f.read()
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
    except OSError:
        return False
    return b'server.py' in cmdline and state != 'Z'


def start(args):
    p = _paths(args.dir)
    os.makedirs(args.dir, exist_ok=True)
    old = _read_int(p['pid'])
    if old and _is_our_server(old):
        print('ctl: a server is already running (pid %d); stop it first' % old, file=sys.stderr)
        return 1
    for k in ('port', 'pid'):
        if os.path.exists(p[k]):
            os.unlink(p[k])
    cmd = [PYTHON, '-B', os.path.join(HERE, 'server.py'), '--port', str(args.port),
           '--port-file', p['port'], '--pid-file', p['pid']]
    if args.replset:
        cmd += ['--replset', args.replset]
    if args.persist:
        cmd += ['--data', p['data']]
    if args.verbose:
        cmd.append('--verbose')
    with open(p['log'], 'ab') as log, open(os.devnull, 'rb') as null:
        proc = subprocess.Popen(cmd, stdin=null, stdout=log, stderr=log,
                                start_new_session=True, close_fds=True)
    deadline = time.monotonic() + args.timeout
    port = None
    while time.monotonic() < deadline:
        port = _read_int(p['port'])
        if port:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    if not port:
        if proc.poll() is None:
            proc.kill()
        print('ctl: the server did not start; see %s' % p['log'], file=sys.stderr)
        try:
            with open(p['log']) as f:
                sys.stderr.write(f.read()[-2000:])
        except OSError:
            pass
        return 1
    query = 'serverSelectionTimeoutMS=5000'
    if args.replset:
        query = 'replicaSet=%s&%s' % (args.replset, query)
    uri = 'mongodb://127.0.0.1:%d/?%s' % (port, query)
    _write(p['uri'], uri + '\n')
    print(uri)
    return 0


def stop(args):
    p = _paths(args.dir)
    pid = _read_int(p['pid'])
    if pid is None or not _is_our_server(pid):
        for k in ('port', 'pid'):
            if os.path.exists(p[k]):
                os.unlink(p[k])
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _is_our_server(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _is_our_server(pid):
        os.kill(pid, signal.SIGKILL)
        while _is_our_server(pid) and time.monotonic() < deadline + 2:
            time.sleep(0.02)
    for k in ('port', 'pid'):
        if os.path.exists(p[k]):
            os.unlink(p[k])
    return 0


def status(args):
    p = _paths(args.dir)
    pid = _read_int(p['pid'])
    if pid and _is_our_server(pid):
        print('running pid %d port %s' % (pid, _read_int(p['port'])))
        return 0
    print('stopped')
    return 3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('action', choices=('start', 'stop', 'status'))
    ap.add_argument('--dir', required=True, help='where mongodb.uri/.pid/.port/.log/.data go')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--replset', help='replica set name (transactions)')
    ap.add_argument('--persist', action='store_true',
                    help='keep the data in DIR/mongodb.data across stop / start')
    ap.add_argument('--timeout', type=float, default=10.0)
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args()
    return {'start': start, 'stop': stop, 'status': status}[args.action](args)


if __name__ == '__main__':
    sys.exit(main())
