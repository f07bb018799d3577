"""Workloads: the network builder, the compiled CSR form, the on-disk trace format, NIR import,
the standard workload generators, and a small reference LIF simulator.

>>> import neurosim as ns
>>> net = ns.Network(name="demo")                        # doctest: +SKIP
>>> wl = ns.load_workload("traces/digits")               # doctest: +SKIP

See docs/formats.md (trace format) and docs/workloads.md (shipped workloads).
"""
from .compiled import CompiledNetwork
from .errors import WorkloadError
from .io import load_workload, read_manifest, save_workload
from .network import STDP_DTYPE, Network, Population, STDPRule
from .stats import summary
from .workload import Workload

__all__ = [
    "Network", "Population", "STDPRule", "Workload", "WorkloadError", "load_workload",
    "save_workload", "CompiledNetwork", "STDP_DTYPE", "summary", "read_manifest",
]
