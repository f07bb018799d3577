"""The base of every error whose message is meant for the user.

Every problem a user can fix (a bad config, trace, sweep spec, store, argument, or a run that cannot
fit the machine) raises a subclass of :class:`InputError`. Its message names the file, line, key or
argument and what was expected, on one line where it can; the command line prints it as it is and
exits with status 2, never with a traceback.
"""
from __future__ import annotations


class InputError(ValueError):
    """Input the user can fix. ``str()`` is the complete message (file, key, what was expected)."""


class ResourceLimitError(InputError):
    """An input would need more of the machine (memory, points, nesting) than a limit allows.

    The message gives the number needed, the limit, and how to raise the limit."""
