# SPDX-License-Identifier: Apache-2.0
"""The wire protocol, through mockupdb: read_request(sock) parses one
OP_MSG (or legacy OP_QUERY) message, send_reply answers it.

mockupdb decodes with its module-level CODEC_OPTIONS; it is replaced here
so that UUIDs stay Binary with their subtype (pymongo 3's default would
turn subtype 4 into uuid.UUID and write it back as subtype 3) and so that
documents are plain dicts."""

import errno

import mockupdb
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions

mockupdb.CODEC_OPTIONS = CodecOptions(document_class=dict,
                                      uuid_representation=UuidRepresentation.UNSPECIFIED)


def _receive(sock, length):
    """length bytes from sock. Replaces mockupdb.mock_server_receive, which
    appends chunk to chunk and so copies a 48 MB message hundreds of times."""
    buf = bytearray(length)
    view = memoryview(buf)
    got = 0
    while got < length:
        n = sock.recv_into(view[got:], length - got)
        if n == 0:
            raise ConnectionResetError(errno.ECONNRESET, 'closed')
        got += n
    return bytes(buf)


mockupdb.mock_server_receive = _receive

MORE_TO_COME = mockupdb.OP_MSG_FLAGS['moreToCome']


class Unsupported(Exception):
    """A message the server cannot answer; the connection is closed."""


def read_request(sock):
    """The next request on sock: (request, command document, database).
    Raises OSError when the peer is gone, Unsupported for other opcodes."""
    try:
        request = mockupdb.mock_server_receive_request(sock, None)
    except NotImplementedError as e:  # OP_COMPRESSED and other opcodes
        raise Unsupported(str(e))
    if isinstance(request, mockupdb.OpMsg):
        cmd = dict(request.doc)
        db = cmd.pop('$db', 'admin')
        return request, cmd, db
    if isinstance(request, mockupdb.Command):  # OP_QUERY on db.$cmd: the legacy handshake
        cmd = dict(request.doc)
        if len(cmd) == 1 and '$query' in cmd:
            cmd = dict(cmd['$query'])
        elif '$query' in cmd:
            cmd = dict(cmd['$query'])
        return request, cmd, request.namespace
    raise Unsupported('%s is not supported' % type(request).__name__)


def wants_reply(request):
    return not (isinstance(request, mockupdb.OpMsg) and (request.flags or 0) & MORE_TO_COME)


def send_reply(request, doc):
    request.replies(doc)
