# SPDX-License-Identifier: Apache-2.0
"""MongoDB's error codes and the exception every handler raises to reply
{ok: 0, errmsg, code, codeName}.

Codes and names are MongoDB's (src/mongo/base/error_codes.yml), so a C test
can compare them with what a real server answers."""

CODE_NAMES = {
    1: 'InternalError',
    2: 'BadValue',
    4: 'NoSuchKey',
    6: 'HostUnreachable',
    7: 'HostNotFound',
    9: 'FailedToParse',
    11: 'UserNotFound',
    13: 'Unauthorized',
    14: 'TypeMismatch',
    20: 'IllegalOperation',
    24: 'LockTimeout',
    26: 'NamespaceNotFound',
    27: 'IndexNotFound',
    28: 'PathNotViable',
    40: 'ConflictingUpdateOperators',
    43: 'CursorNotFound',
    48: 'NamespaceExists',
    50: 'MaxTimeMSExpired',
    52: 'DollarPrefixedFieldName',
    59: 'CommandNotFound',
    66: 'ImmutableField',
    67: 'CannotCreateIndex',
    72: 'InvalidOptions',
    73: 'InvalidNamespace',
    85: 'IndexOptionsConflict',
    86: 'IndexKeySpecsConflict',
    89: 'NetworkTimeout',
    91: 'ShutdownInProgress',
    112: 'WriteConflict',
    115: 'CommandNotSupported',
    189: 'PrimarySteppedDown',
    225: 'TransactionTooOld',
    251: 'NoSuchTransaction',
    256: 'TransactionCommitted',
    262: 'ExceededTimeLimit',
    263: 'OperationNotSupportedInTransaction',
    9001: 'SocketException',
    10107: 'NotWritablePrimary',
    11000: 'DuplicateKey',
    11600: 'InterruptedAtShutdown',
    11602: 'InterruptedDueToReplStateChange',
    13435: 'NotPrimaryNoSecondaryOk',
    13436: 'NotPrimaryOrSecondary',
    50768: 'NotARetryableWriteCommand',
    51024: 'Location51024',
    15958: 'Location15958',
    15975: 'Location15975',
    40415: 'Location40415',
    40323: 'Location40323',
}

# Codes a 4.4+ server labels RetryableWriteError on a retryable write.
RETRYABLE_CODES = {6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602,
                   13435, 13436}

BAD_VALUE = 2
FAILED_TO_PARSE = 9
NAMESPACE_NOT_FOUND = 26
DUPLICATE_KEY = 11000


class CommandError(Exception):
    """A command failed as a whole: the reply is {ok: 0, ...}.

    extra holds further top-level reply fields (keyPattern, errorLabels)."""

    def __init__(self, code, errmsg, **extra):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg
        self.extra = extra

    def reply(self):
        return error_reply(self.code, self.errmsg, **self.extra)


class WriteError(Exception):
    """One statement of a write command failed: it goes to writeErrors,
    the command itself still answers ok: 1. extra holds keyPattern and
    keyValue for duplicate keys."""

    def __init__(self, code, errmsg, **extra):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg
        self.extra = extra

    def entry(self, index):
        doc = {'index': index, 'code': self.code}
        doc.update(self.extra)
        doc['errmsg'] = self.errmsg
        return doc


def code_name(code):
    return CODE_NAMES.get(code, 'Location%d' % code if code else 'OK')


def error_reply(code, errmsg, **extra):
    doc = {'ok': 0.0, 'errmsg': errmsg, 'code': code,
           'codeName': code_name(code)}
    doc.update(extra)
    return doc


def bad_value(msg):
    return CommandError(BAD_VALUE, msg)


def failed_to_parse(msg):
    return CommandError(FAILED_TO_PARSE, msg)
