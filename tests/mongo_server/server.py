#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The docrel MongoDB wire-protocol test server.

    /usr/bin/python3 tests/mongo_server/server.py --port 0 --port-file PATH
        [--replset NAME] [--pid-file PATH] [--data FILE] [--host 127.0.0.1]
        [--txn-lifetime SECONDS] [--verbose]

Binds the loopback address (port 0: a free port; SO_REUSEADDR, so a
restart can bind a stopped server's port at once), writes the port number
to --port-file once it accepts connections (through a temporary file and a
rename, so a reader never sees half a number), and serves until SIGTERM,
SIGINT or the docrelStopServer fail point (failpoints.py). One thread per
connection; commands run one at a time under a lock.

Data lives in memory. With --data FILE the server loads FILE at start if
it exists and saves the whole store to it (committed data only) whenever it
stops (persist.py). On the way out it removes its pid and port files. See
README.md."""

import argparse
import itertools
import os
import signal
import socket
import sys
import threading
import time
import traceback

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import commands  # noqa: E402
import wire  # noqa: E402
from cursors import Registry  # noqa: E402
from errors import error_reply  # noqa: E402
from failpoints import FailPoints  # noqa: E402
import persist  # noqa: E402
from store import Store  # noqa: E402
from transactions import Transactions  # noqa: E402


class Connection:
    def __init__(self, cid, sock, peer):
        self.id = cid
        self.sock = sock
        self.peer = '%s:%d' % peer[:2] if isinstance(peer, tuple) else str(peer)
        self.app_name = None


class Server:
    def __init__(self, host, port, replset, verbose, txn_lifetime, data_file=None):
        self.host = host
        self.replset = replset
        self.verbose = verbose
        self.data_file = data_file
        self.lock = threading.RLock()
        if data_file and os.path.exists(data_file):
            self.store = persist.load(data_file)
        else:
            self.store = Store()
        self.cursors = Registry()
        self.txns = Transactions(bool(replset), txn_lifetime, self.store, self.lock)
        self.failpoints = FailPoints()
        self.connections = {}
        self.conn_lock = threading.Lock()
        self.ids = itertools.count(1)
        self.started = time.time()
        self.stopping = False      # the accept loop and connections end
        self.closed = False        # no further command runs (set under self.lock)
        self.exit_on_halt = False  # the stop fail point ends the process (main() sets it)
        self.save_ok = True
        self.own_files = []        # (path, content): removed on the way out if unchanged
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

    def halt(self, before=None, why='stopping', exit=False):
        """Stops for good. Under the lock: runs before() (the command a
        docrelStopServer fail point applies), lets no command run after it,
        aborts open transactions and saves the store (--data). Then closes
        the listener, removes the pid and port files and closes every
        connection, so by the time a client sees its connection drop the
        data is on disk and ctl.py status says stopped. With exit, the
        process ends there: status 0, or 1 if the data could not be saved.
        False if the server was halted already."""
        with self.lock:
            if self.closed:
                return False
            try:
                if before is not None:
                    before()
            finally:
                self.closed = True
                self.txns.abort_all()
                if self.data_file:
                    try:
                        persist.save(self.store, self.data_file)
                    except Exception:
                        self.save_ok = False
                        traceback.print_exc()
                if self.verbose or self.data_file or exit or before is not None:
                    print('%s%s' % (why, '' if not self.data_file else
                                    ', data saved to %s' % self.data_file if self.save_ok
                                    else ', data NOT saved to %s' % self.data_file),
                          file=sys.stderr)
            self.stop()
            self.remove_own_files()
            if exit:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0 if self.save_ok else 1)
        return True

    def remove_own_files(self):
        for path, content in self.own_files:
            try:
                with open(path) as f:
                    if f.read() != content:
                        continue  # a new server's by now
                os.unlink(path)
            except OSError:
                pass

    def stop(self):
        """Closes the listener and every connection."""
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


def main(argv=None, exit_on_halt=False):
    ap = argparse.ArgumentParser(description='docrel MongoDB wire-protocol test server')
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=0, help='0: any free port')
    ap.add_argument('--port-file', help='write the bound port here once ready')
    ap.add_argument('--pid-file', help='write the process id here')
    ap.add_argument('--replset', help='act as the primary of this one-member replica set')
    ap.add_argument('--txn-lifetime', type=float, default=60.0,
                    help='seconds before an open transaction is aborted (MongoDB: 60)')
    ap.add_argument('--data', metavar='FILE',
                    help='load the store from FILE if it exists, save it there on exit')
    ap.add_argument('--verbose', action='store_true', help='log every command to stderr')
    args = ap.parse_args(argv)

    try:
        server = Server(args.host, args.port, args.replset, args.verbose, args.txn_lifetime,
                        args.data)
    except persist.BadDataFile as e:
        print('server.py: %s' % e, file=sys.stderr)
        return 1

    def on_signal(signum, frame):
        server.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.pid_file:
        write_atomically(args.pid_file, '%d\n' % os.getpid())
        server.own_files.append((args.pid_file, '%d\n' % os.getpid()))
    if args.port_file:
        write_atomically(args.port_file, '%d\n' % server.port)
        server.own_files.append((args.port_file, '%d\n' % server.port))
    server.exit_on_halt = exit_on_halt
    if args.verbose:
        print('listening on %s%s' % (server.address,
                                     ' (replica set %s)' % args.replset if args.replset else ''),
              file=sys.stderr)
    failed = False
    try:
        server.serve_forever()
    except Exception:
        traceback.print_exc()
        failed = True
    server.halt(why='stopping on a signal' if server.stopping and not failed else 'stopping')
    return 1 if failed or not server.save_ok else 0


if __name__ == '__main__':
    sys.exit(main(exit_on_halt=True))
