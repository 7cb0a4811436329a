"""Errors that reach the user as one line and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_PARTIAL = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # SIGTERM: 128 + SIGTERM


class InternalError(Exception):
    """A bug of the scanner's own (not the user's input): exit code 4."""

    exit_code = EXIT_INTERNAL


class UserError(Exception):
    """Bad usage or bad input: printed as one line, exit code 2.

    The message says what is wrong, where, and how to fix it.
    """

    exit_code = EXIT_BAD_INPUT


class FileProblem(UserError):
    """A problem located in a file: the message starts with the file (and rule or key)."""

    def __init__(self, path: str, message: str, *, item: str | None = None,
                 field: str | None = None) -> None:
        where = path
        if item:
            where += f": {item}"
        if field:
            where += f": field {field}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.item = item
        self.field = field


class Terminated(BaseException):
    """SIGTERM, raised in the main process so that the run unwinds as after Ctrl-C: the
    workers are ended, the lock released, an unfinished store transaction rolled back.

    A BaseException like KeyboardInterrupt, so that no `except Exception` around a
    collector mistakes it for that collector's failure.
    """
