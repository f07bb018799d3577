"""Does the write lifetime depend on the run length? (issue 15, item 2)

Runs one chip / workload / strategy (default: espine_pcm, diehl_cook, espine, seed 0 — the case of
the issue) for several run lengths through the run layer (`neurosim.run_experiment`, no ideal
reference, no aging) and prints, per length, the write lifetime (steady-state rate,
docs/design.md#lifetimes), how its rate was found, whether a steady state was seen, the
run-average write lifetime (the definition before issue 15) and the fitted decay's extrapolation. The last lines give the spread
(max / min) of each over the lengths; the issue's target is a spread <= 1.2.

    PYTHONPATH=. python3 benchmarks/bench_write_lifetime.py                       # 600 2400 12000 ticks
    PYTHONPATH=. python3 benchmarks/bench_write_lifetime.py --ticks 600 2400 4800 12000 --json out.json

Each length runs once (the 12,000-tick espine mapping profiles 12,000 ticks first); ``--json``
caches the numbers: an existing file is read back instead of running again (delete it to rerun).
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(chip: str, trace: str, strategy: str, ticks: int, seed: int) -> dict:
    """The write lifetimes of one run of ``ticks`` ticks (years, inferences) and how they were found."""
    import neurosim as ns
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = ns.run_experiment(chip, trace, strategy, ticks=ticks, seed=seed)
    w = run.evaluation.lifetime["write"]
    return {"ticks": ticks, "years": w["chip"]["years"], "inferences": w["chip"]["inferences"],
            "method": w["rate"]["method"], "steady": w["rate"]["steady"], "note": w["rate"]["note"],
            "run_average_years": w["run_average"]["chip"]["years"],
            "fit_years": (w["rate"].get("fit_extrapolated") or {}).get("years"),
            "warnings": [str(c.message) for c in caught if c.category.__name__ == "WriteRateWarning"],
            "wall_s": time.perf_counter() - t0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chip", default="espine_pcm")
    ap.add_argument("--trace", default=str(ROOT / "traces" / "diehl_cook"))
    ap.add_argument("--strategy", default="espine")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ticks", type=int, nargs="+", default=[600, 2400, 12000])
    ap.add_argument("--json", type=Path, default=None, help="cache file (read if it exists, else written)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.json is not None and args.json.exists():
        rows = json.loads(args.json.read_text())
    else:
        rows = [measure(args.chip, args.trace, args.strategy, T, args.seed) for T in args.ticks]
        if args.json is not None:
            args.json.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"{'ticks':>7} {'write lifetime (y)':>19} {'method':>13} {'steady':>7} {'run average (y)':>16} "
          f"{'fit extrap. (y)':>16} {'wall (s)':>9}")
    for r in rows:
        fit = "—" if r.get("fit_years") is None else f"{r['fit_years']:.4g}"
        print(f"{r['ticks']:>7} {r['years']:>19.4g} {r['method']:>13} {str(r['steady']):>7} "
              f"{r['run_average_years']:>16.4g} {fit:>16} {r['wall_s']:>9.1f}")
    for key, label in (("years", "write lifetime"), ("run_average_years", "run average")):
        v = [r[key] for r in rows]
        print(f"spread (max/min) of the {label}: {max(v) / min(v):.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
