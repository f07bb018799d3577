"""The exception types of :mod:`neurosim.workload`."""
from ..errors import InputError, ResourceLimitError


class WorkloadError(InputError):
    """A workload, network or trace file is malformed or inconsistent.

    The message always names *where* (the file, manifest key, population or array) and *what*
    was expected, so that a user can fix the input without reading a traceback.
    """


class WorkloadLimitError(WorkloadError, ResourceLimitError):
    """A workload would need more memory (or another resource) than a limit of :mod:`neurosim.limits`
    allows; the message names the file and key, the amount needed, the limit and how to raise it."""
