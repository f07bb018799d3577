"""neurosim: a cycle-accurate, event-driven simulator of memristive neuromorphic hardware.

The public API (see docs/architecture.md)::

    import neurosim as ns
    hw  = ns.load_hardware("hwconfigs/espine_pcm.yaml")
    wl  = ns.load_workload("traces/digits")
    m   = ns.map_workload(wl, hw, strategy="espine", seed=0)
    res = ns.simulate(wl, hw, m, seed=0)
    rep = ns.evaluate(res, hw, m)

Names are imported lazily so that ``import neurosim`` stays fast and each stage can be used alone.
"""
from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    # hardware configs
    "load_hardware": "neurosim.config",
    "HardwareConfig": "neurosim.config",
    "HardwareConfigError": "neurosim.config",
    # workloads
    "Network": "neurosim.workload",
    "Population": "neurosim.workload",
    "STDPRule": "neurosim.workload",
    "Workload": "neurosim.workload",
    "WorkloadError": "neurosim.workload",
    "load_workload": "neurosim.workload",
    "save_workload": "neurosim.workload",
    # mapping
    "Mapping": "neurosim.mapping",
    "map_workload": "neurosim.profiling",   # neurosim.mapping.map_workload + the engine-backed profilers
    # engine
    "simulate": "neurosim.engine",
    "SimResult": "neurosim.engine",
    "Chip": "neurosim.engine",
    "EngineOptions": "neurosim.engine",
    # metrics
    "evaluate": "neurosim.metrics",
    # the run layer: load → map → simulate → baseline → ideal → evaluate → aging
    "run_experiment": "neurosim.experiment",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'neurosim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
