"""A hash of engine and SimPy-reference outputs, for refactors that must not change a number.

    python benchmarks/hash_results.py /path/to/checkout      # run once per checkout, compare the hashes

Simulates four shipped chip × workload pairs for 20 ticks (sequential mapping) with the checkout's
neurosim (``sys.path`` first; asserts it is the one imported) and hashes spikes, counts, energies,
final and effective weights, and the SimPy reference's spikes. Counts gain keys when the engine
counts something new, so compare the parts (``--parts``) when a hash differs.
"""
import hashlib
import sys

import numpy as np


def main(tree: str, parts: bool = False) -> str:
    sys.path.insert(0, tree)
    import neurosim as ns
    from neurosim.reference import simulate_reference
    assert ns.__file__.startswith(tree), ns.__file__

    total = hashlib.sha256()

    def h(x):
        d = hashlib.sha256()
        if isinstance(x, dict):
            for k in sorted(x):
                d.update(str(k).encode())
                d.update(h(x[k]).encode())
        elif isinstance(x, np.ndarray):
            d.update(np.ascontiguousarray(x).tobytes())
        else:
            d.update(repr(x).encode())
        return d.hexdigest()

    for trace, chip in [("diehl_cook", "espine_pcm"), ("edge_detection", "rram_inference"), ("smoothing", "loihi_like"),
                        ("digits", "espine_pcm")]:
        wl = ns.load_workload(f"{tree}/traces/{trace}")
        hw = ns.load_hardware(chip)
        m = ns.map_workload(wl, hw, "sequential")
        r = ns.simulate(wl, hw, m, ticks=20, record=("spikes", "weights", "effective_weights"))
        ref = simulate_reference(wl, hw, m, ticks=20)
        items = {"spikes": r.spikes, "counts": r.counts, "energy": r.energy_pj, "weights": r.weights,
                 "effective_weights": r.effective_weights, "reference_spikes": ref["spikes"]}
        for k, v in items.items():
            hv = h(v)
            total.update(hv.encode())
            if parts:
                print(f"{trace:15s} {chip:15s} {k:18s} {hv[:12]}")
    return total.hexdigest()


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    print(main(sys.argv[1], parts="--parts" in sys.argv))
