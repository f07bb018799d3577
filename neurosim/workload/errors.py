"""The one exception type of :mod:`neurosim.workload`."""
from ..errors import InputError


class WorkloadError(InputError):
    """A workload, network or trace file is malformed or inconsistent.

    The message always names *where* (the file, manifest key, population or array) and *what*
    was expected, so that a user can fix the input without reading a traceback.
    """
