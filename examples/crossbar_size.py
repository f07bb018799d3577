"""Sweep the crossbar size of the RRAM inference chip from Python and print the inference lifetime.

Longer word and bit lines drop more voltage: the cells far from the drivers see lower read voltages
and suffer less read disturb, so larger crossbars change where (and how fast) cells drift. The same
study at scale: ``neurosim sweep sweeps/crossbar_size.yaml`` (docs/sweeps.md).

    python examples/crossbar_size.py
"""
from pathlib import Path

import neurosim as ns

wl = ns.load_workload(Path(__file__).resolve().parents[1] / "traces" / "digits")
ticks = 200                                            # 5 digit samples
print(f"{'size':>8} {'crossbars':>9} {'inference lifetime (years)':>27} {'energy/sample (uJ)':>19} {'accuracy':>8}")
for size in (64, 128, 256):
    hw = ns.load_hardware("rram_inference", overrides={"tile.crossbar_rows": size, "tile.crossbar_columns": size})
    m = ns.map_workload(wl, hw, strategy="read-aware", seed=0)
    res = ns.simulate(wl, hw, m, ticks=ticks, seed=0)
    ev = ns.evaluate(res, hw, m, workload=wl)
    print(f"{size:>4}x{size:<3} {ev.run['crossbars_used']:>9} {ev.lifetime['read']['chip']['years']:>27.4g} "
          f"{ev.energy['per_inference_pj']['total'] / 1e6:>19.4g} {ev.accuracy['accuracy']:>8.2f}")
