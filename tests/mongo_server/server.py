#!/usr/bin/python3
"""The docrel MongoDB wire-protocol test server.

    /usr/bin/python3 tests/mongo_server/server.py --port 0 --port-file PATH
        [--replset NAME] [--pid-file PATH] [--host 127.0.0.1] [--verbose]

Binds the loopback address (port 0: a free port), writes the port number
to --port-file once it accepts connections (through a temporary file and a
rename, so a reader never sees half a number), and serves until SIGTERM or
SIGINT. One thread per connection; commands run one at a time under a lock.
Data lives in memory only. See README.md."""

import argparse
import itertools
import os
import signal
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import commands  # noqa: E402
import wire  # noqa: E402
from cursors import Registry  # noqa: E402
from errors import error_reply  # noqa: E402
from failpoints import FailPoints  # noqa: E402
from store import Store  # noqa: E402
from transactions import Transactions  # noqa: E402


class Connection:
    def __init__(self, cid, sock, peer):
        self.id = cid
        self.sock = sock
        self.peer = '%s:%d' % peer[:2] if isinstance(peer, tuple) else str(peer)
        self.app_name = None


class Server:
    def __init__(self, host, port, replset, verbose, txn_lifetime):
        self.host = host
        self.replset = replset
        self.verbose = verbose
        self.lock = threading.RLock()
        self.store = Store()
        self.cursors = Registry()
        self.txns = Transactions(bool(replset), txn_lifetime)
        self.failpoints = FailPoints()
        self.connections = {}
        self.conn_lock = threading.Lock()
        self.ids = itertools.count(1)
        self.started = time.time()
        self.stopping = False
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.address = '%s:%d' % (host, self.port)

    def serve_forever(self):
        self.listener.settimeout(0.2)  # to notice a stop request
        while not self.stopping:
            try:
                sock, peer = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                if self.stopping:
                    break
                raise
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(next(self.ids), sock, peer)
            with self.conn_lock:
                self.connections[conn.id] = conn
            threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()

    def serve_connection(self, conn):
        try:
            while not self.stopping:
                try:
                    request, cmd, db = wire.read_request(conn.sock)
                except (OSError, wire.Unsupported, ValueError, AssertionError) as e:
                    if self.verbose and not isinstance(e, OSError):
                        print('conn %d: closing: %s' % (conn.id, e), file=sys.stderr)
                    break
                except Exception as e:  # undecodable BSON and the like
                    if self.verbose:
                        print('conn %d: bad message: %r' % (conn.id, e), file=sys.stderr)
                    break
                reply = commands.run(self, conn, cmd, db)
                if self.verbose:
                    print('conn %d %s.%s -> %s' % (conn.id, db, commands.command_name(cmd),
                                                   _brief(reply)), file=sys.stderr)
                if reply is commands.CLOSE:
                    break
                if wire.wants_reply(request):
                    try:
                        wire.send_reply(request, reply)
                    except OSError:
                        break
                    except Exception as e:  # a reply BSON cannot hold: still answer
                        wire.send_reply(request, error_reply(
                            1, 'reply could not be encoded: %s: %s' % (type(e).__name__, e)))
        finally:
            with self.conn_lock:
                self.connections.pop(conn.id, None)
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.sock.close()

    def stop(self):
        self.stopping = True
        try:
            self.listener.close()
        except OSError:
            pass
        with self.conn_lock:
            conns = list(self.connections.values())
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _brief(reply):
    if reply is commands.CLOSE:
        return 'hang up'
    if reply.get('ok'):
        return 'ok'
    return 'error %s %s' % (reply.get('code'), reply.get('errmsg'))


def write_atomically(path, text):
    tmp = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description='docrel MongoDB wire-protocol test server')
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=0, help='0: any free port')
    ap.add_argument('--port-file', help='write the bound port here once ready')
    ap.add_argument('--pid-file', help='write the process id here')
    ap.add_argument('--replset', help='act as the primary of this one-member replica set')
    ap.add_argument('--txn-lifetime', type=float, default=60.0,
                    help='seconds before an open transaction is aborted (MongoDB: 60)')
    ap.add_argument('--verbose', action='store_true', help='log every command to stderr')
    args = ap.parse_args(argv)

    server = Server(args.host, args.port, args.replset, args.verbose, args.txn_lifetime)

    def on_signal(signum, frame):
        server.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.pid_file:
        write_atomically(args.pid_file, '%d\n' % os.getpid())
    if args.port_file:
        write_atomically(args.port_file, '%d\n' % server.port)
    if args.verbose:
        print('listening on %s%s' % (server.address,
                                     ' (replica set %s)' % args.replset if args.replset else ''),
              file=sys.stderr)
    try:
        server.serve_forever()
    finally:
        server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
