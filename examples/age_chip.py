"""Age an RRAM inference chip: fast-forward it by its measured read rates, apply read-disturb drift,
rerun the digits workload at each age, and compare no refresh with the reprogram refresh policy.

    python examples/age_chip.py
"""
from pathlib import Path

import neurosim as ns
from neurosim.metrics import aging_study

YEAR = 365.25 * 24 * 3600
wl = ns.load_workload(Path(__file__).resolve().parents[1] / "traces" / "digits")
ticks = 200
ages = [0.0, 0.1 * YEAR, 1 * YEAR, 10 * YEAR]

for policy in ("none", "reprogram"):
    hw = ns.load_hardware("rram_inference", overrides={"refresh.policy": policy})
    m = ns.map_workload(wl, hw, strategy="sequential", seed=0)
    res = ns.simulate(wl, hw, m, ticks=ticks, seed=0)
    ev = ns.evaluate(res, hw, m, workload=wl)
    aging = aging_study(ev, wl, hw, m, ages_s=ages, ticks=ticks, seed=0)
    print(f"refresh policy {policy!r}: first reprogram after {aging['time_to_first_reprogram_s'] / YEAR:.3g} years")
    for row in aging["ages"]:
        print(f"  age {row['age_years']:6.2f} y: accuracy {row['accuracy']:.2f}, cells out of tolerance "
              f"{row['out_of_tolerance_cells']:5d}, max drift {100 * row['max_rel_drift']:5.1f}%, "
              f"refresh writes {row['refresh_writes']:.3g}")
