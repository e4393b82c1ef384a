# SPDX-License-Identifier: Apache-2.0
"""Fail points, configured on the admin database with configureFailPoint.

failCommand is MongoDB's, as on a real server started with
enableTestCommands=1, so the same C tests run against both:

  {configureFailPoint: "failCommand",
   mode: "alwaysOn" | "off" | {times: N} | {skip: N},
   data: {failCommands: ["insert", ...], errorCode: N, errmsg?: "...",
          closeConnection: bool, errorLabels?: [...], writeConcernError?: {...},
          blockConnection: bool, blockTimeMS: N, appName?: "..."}}

docrelStopServer is this test server's own (a real MongoDB has no such
fail point and answers it with an error): it stops the whole server on a
matching command, for tests of a server that goes away in the middle of a
call, then restart it on the same port (ctl.py start --port P --persist):

  {configureFailPoint: "docrelStopServer",
   mode: "alwaysOn" | "off" | {times: N} | {skip: N},
   data: {failCommands: ["insert", ...], afterApplying: bool, appName?: "..."}}

When it fires, the command runs first if afterApplying is true (its
effects are kept; outside a transaction that is a committed write, inside
one it stays uncommitted and so is lost) and is not run if false. No reply
is sent: the server saves its data (with --data), closes its listener and
every connection and exits with status 0 (see Server.halt in server.py).

The two are independent, each with its own mode and counters. Both match
commands the same way: by name, by the client's appName if data has one,
after skipping {skip: N} matches, and {times: N} turns a fail point off
after N firings. docrelStopServer is checked first: a command that stops
the server is not seen by failCommand."""

import threading

from errors import CommandError

FAIL_COMMAND = 'failCommand'
STOP_SERVER = 'docrelStopServer'


class Action:
    """What a firing failCommand does to one command."""

    def __init__(self, data):
        self.close = bool(data.get('closeConnection'))
        self.code = data.get('errorCode')
        self.errmsg = data.get('errmsg') or "Failing command via 'failCommand' failpoint"
        self.labels = data.get('errorLabels')
        self.write_concern_error = data.get('writeConcernError')
        self.block_ms = int(data.get('blockTimeMS', 0)) if data.get('blockConnection') else 0


class StopAction:
    """What a firing docrelStopServer does: stop before or after running
    the command."""

    def __init__(self, data):
        self.after_applying = bool(data.get('afterApplying'))


class FailPoint:
    """One fail point's mode and counters; data is None while it is off."""

    def __init__(self, name, validate):
        self.name = name
        self.validate = validate
        self.data = None     # the active data, None when off
        self.times = None    # remaining firings; None: unlimited
        self.skip = 0        # matching commands to let through first
        self.entered = 0

    def configure(self, mode, data):
        """Sets the mode (under FailPoints.lock); the reply's count is the
        number of times it fired under its previous setting."""
        count = self.entered
        if mode == 'off':
            self.data = None
            return count
        if not isinstance(data.get('failCommands'), list):
            raise CommandError(2, "'failCommands' must be an array of command names")
        self.validate(data)
        times, skip = None, 0
        if mode == 'alwaysOn':
            pass
        elif isinstance(mode, dict) and 'times' in mode:
            times = int(mode['times'])
            if times <= 0:
                raise CommandError(2, "'times' option to 'mode' must be positive")
        elif isinstance(mode, dict) and 'skip' in mode:
            skip = int(mode['skip'])
        else:
            raise CommandError(2, "'mode' must be one of 'off', 'alwaysOn', {times: N} or "
                                  "{skip: N}")
        self.data, self.times, self.skip, self.entered = dict(data), times, skip, 0
        return count

    def check(self, name, app_name):
        """The data if this fail point fires on the command, else None."""
        data = self.data
        if data is None or name not in data['failCommands']:
            return None
        if 'appName' in data and data['appName'] != app_name:
            return None
        if self.skip > 0:
            self.skip -= 1
            return None
        self.entered += 1
        if self.times is not None:
            self.times -= 1
            if self.times <= 0:
                self.data = None
        return data


def _check_fail_command(data):
    pass


def _check_stop_server(data):
    if 'afterApplying' in data and not isinstance(data['afterApplying'], bool):
        raise CommandError(14, "'afterApplying' must be a boolean")


class FailPoints:
    def __init__(self):
        self.lock = threading.Lock()
        self.points = {FAIL_COMMAND: FailPoint(FAIL_COMMAND, _check_fail_command),
                       STOP_SERVER: FailPoint(STOP_SERVER, _check_stop_server)}

    def configure(self, cmd):
        fp = self.points.get(cmd.get('configureFailPoint'))
        if fp is None:
            raise CommandError(2, 'Cannot find failpoint: %s (the docrel test server only has '
                                  '%s)' % (cmd.get('configureFailPoint'),
                                           ' and '.join(sorted(self.points))))
        with self.lock:
            count = fp.configure(cmd.get('mode'), cmd.get('data') or {})
        return {'count': count, 'ok': 1.0}

    def _check(self, point, name, app_name):
        if point.data is None or name == 'configureFailPoint':
            return None
        with self.lock:
            return point.check(name, app_name)

    def check(self, name, app_name):
        """The failCommand Action for this command, or None when it does not fire."""
        data = self._check(self.points[FAIL_COMMAND], name, app_name)
        return None if data is None else Action(data)

    def check_stop(self, name, app_name):
        """The docrelStopServer StopAction for this command, or None."""
        data = self._check(self.points[STOP_SERVER], name, app_name)
        return None if data is None else StopAction(data)
