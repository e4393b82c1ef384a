"""The failCommand fail point, configured as on a real server started with
enableTestCommands=1, so the same C tests run against both:

  {configureFailPoint: "failCommand",
   mode: "alwaysOn" | "off" | {times: N} | {skip: N},
   data: {failCommands: ["insert", ...], errorCode: N, errmsg?: "...",
          closeConnection: bool, errorLabels?: [...], writeConcernError?: {...},
          blockConnection: bool, blockTimeMS: N, appName?: "..."}}"""

import threading

from errors import CommandError


class Action:
    """What a firing fail point does to one command."""

    def __init__(self, data):
        self.close = bool(data.get('closeConnection'))
        self.code = data.get('errorCode')
        self.errmsg = data.get('errmsg') or "Failing command via 'failCommand' failpoint"
        self.labels = data.get('errorLabels')
        self.write_concern_error = data.get('writeConcernError')
        self.block_ms = int(data.get('blockTimeMS', 0)) if data.get('blockConnection') else 0


class FailPoints:
    def __init__(self):
        self.lock = threading.Lock()
        self.data = None     # the active failCommand's data, None when off
        self.times = None    # remaining firings; None: unlimited
        self.skip = 0        # matching commands to let through first
        self.entered = 0

    def configure(self, cmd):
        name = cmd.get('configureFailPoint')
        if name != 'failCommand':
            raise CommandError(2, 'Cannot find failpoint: %s (the docrel test server only has '
                                  'failCommand)' % name)
        mode = cmd.get('mode')
        data = cmd.get('data') or {}
        with self.lock:
            count = self.entered
            if mode == 'off':
                self.data = None
                return {'count': count, 'ok': 1.0}
            if not isinstance(data.get('failCommands'), list):
                raise CommandError(2, "'failCommands' must be an array of command names")
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
        return {'count': count, 'ok': 1.0}

    def check(self, name, app_name):
        """The Action for this command, or None when the fail point does not fire."""
        if self.data is None or name == 'configureFailPoint':
            return None
        with self.lock:
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
            return Action(data)
