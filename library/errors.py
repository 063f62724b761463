"""User-facing errors.

Anything raised as a :class:`SyllabusError` is a problem with the user's input or
environment; the CLI prints its message on one line and exits with ``exit_code``,
never with a traceback.
"""


class SyllabusError(Exception):
    """An error whose message is fit to show the user as it is."""

    exit_code = 1


class UsageError(SyllabusError):
    """Bad input: an unknown id, an unknown status, a malformed file."""

    exit_code = 2


class NotFound(UsageError):
    """A reading, chapter, note or curriculum that does not exist."""
