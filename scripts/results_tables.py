"""Print the markdown tables of docs/results.md from a study's output folder.

    python scripts/results_tables.py neurosim-study-espine-001
    python scripts/results_tables.py neurosim-study-read-endurance-001

Reads lifetime.csv, averages.csv, sensitivity_<axis>.csv and aging.csv written by ``neurosim study``, so the
tables in the docs are the measured numbers, not transcriptions.
"""
import csv
import math
import sys
from pathlib import Path


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def g(v, digits=3):
    x = float(v)
    if math.isinf(x):
        return "∞"
    if x != 0 and (abs(x) < 0.01 or abs(x) >= 1e4):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def ratio(v, bold=False):
    text = f"{float(v):.3g}×"
    return f"**{text}**" if bold else text


def seed_range(r):
    """' (0.94–1.15)': the per-seed ratios' range when the study ran several seeds."""
    if len((r.get("seeds") or "").split()) < 2 or r.get("lifetime_norm_seed_min") in ("", None):
        return ""
    return f" ({float(r['lifetime_norm_seed_min']):.3g}–{float(r['lifetime_norm_seed_max']):.3g})"


def pct(v):
    return "–" if v in ("", None) else f"{100 * float(v):+.1f} %"


def lifetime_table(folder, studied):
    # the write study counts programming pulses, the read study row reads
    count_key, count_name = ("row_reads", "row reads") if studied == "read-aware" else ("write_pulses", "write pulses")
    out = ["| workload | mapping | crossbars | ticks | lifetime (inferences) | lifetime (years) | vs spinemap | "
           "mapper's predicted gain | energy/inference (µJ) | energy overhead | dynamic energy/inference (µJ) | dynamic energy overhead | "
           f"mean spike latency (cycles) | latency overhead | {count_name} | accuracy |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows(folder / "lifetime.csv"):
        if r["fits"] != "True":
            out.append(f"| {r['workload']} | {r['strategy']} | does not fit | | | | | | | | | | | | | |")
            continue
        ticks = r["ticks"] if r["workload"] in ("digits", "diehl_cook") else "all"
        acc = g(r["accuracy"]) if r["accuracy"] not in ("", None) else "–"
        out.append(
            f"| {r['workload']} | {r['strategy']} | {g(r['crossbars_used'])} | {ticks} | {g(r['lifetime_inferences'])} | "
            f"{g(r['lifetime_years'])} | {ratio(r['lifetime_norm'], r['strategy'] == studied)}{seed_range(r) if r['strategy'] != 'spinemap' else ''} | "
            f"{ratio(r['predicted_gain']) if r.get('predicted_gain') not in ('', None) else '–'} | "
            f"{g(float(r['energy_per_inference_pj']) / 1e6)} | {pct(r['energy_overhead'])} | "
            f"{g(float(r['energy_dynamic_per_inference_pj']) / 1e6)} | {pct(r['dynamic_energy_overhead'])} | "
            f"{g(r['packet_latency_mean_cycles'])} | {pct(r['latency_overhead'])} | "
            f"{int(float(r[count_key])):,} | {acc} |")
    return "\n".join(out)


def averages_table(folder):
    out = ["| mapping | workloads | arithmetic mean | geometric mean | min | max | energy overhead (mean) | "
           "dynamic energy overhead (mean) | latency overhead (mean) | does not fit |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows(folder / "averages.csv"):
        out.append(
            f"| {r['strategy']} | {r['workloads']} | {ratio(r['lifetime_norm_arithmetic_mean'])} | "
            f"{ratio(r['lifetime_norm_geometric_mean'])} | {ratio(r['lifetime_norm_min'])} | "
            f"{ratio(r['lifetime_norm_max'])} | {pct(r['energy_overhead_mean'])} | "
            f"{pct(r['dynamic_energy_overhead_mean']) if r.get('dynamic_energy_overhead_mean') else '–'} | "
            f"{pct(r['latency_overhead_mean'])} | {r['does_not_fit'] or '–'} |")
    return "\n".join(out)


def sensitivity_table(path, baseline="spinemap"):
    data = rows(path)
    xs = []
    for r in data:
        if r["x"] not in xs:
            xs.append(r["x"])
    keys = []
    for r in data:
        if (r["workload"], r["strategy"]) not in keys:
            keys.append((r["workload"], r["strategy"]))
    cell = {(r["workload"], r["strategy"], r["x"]): r for r in data}
    out = ["| workload | mapping | " + " | ".join(xs) + " |", "|---|---|" + "---|" * len(xs)]
    for wl, st in keys:
        parts = []
        for x in xs:
            r = cell.get((wl, st, x))
            if r is None or r["fits"] != "True":
                parts.append("–")
                continue
            text = f"{g(r['lifetime_years'])} y"
            if st != baseline:
                text += f" ({ratio(r['lifetime_norm'])}{seed_range(r)})"
            parts.append(text)
        out.append(f"| {wl} | {st} | " + " | ".join(parts) + " |")
    return "\n".join(out)


def tornado_table(folder, studied):
    """One row per (sensitivity part, workload): the studied mapping's gain at the part's first and
    last variant and its range over all variants (a tornado table of the assumed parameters)."""
    out = ["| parameter | workload | first variant | gain there | last variant | gain there | range over variants |",
           "|---|---|---|---|---|---|---|"]
    for path in sorted(folder.glob("sensitivity_*.csv")):
        data = [r for r in rows(path) if r["strategy"] == studied and r["fits"] == "True" and r["lifetime_norm"] not in ("", None)]
        for wl in dict.fromkeys(r["workload"] for r in data):
            sel = [r for r in data if r["workload"] == wl]
            gains = [float(r["lifetime_norm"]) for r in sel]
            out.append(f"| {path.stem[len('sensitivity_'):]} | {wl} | {sel[0]['x']} | {ratio(gains[0])} | {sel[-1]['x']} | "
                       f"{ratio(gains[-1])} | {ratio(min(gains))} – {ratio(max(gains))} |")
    return "\n".join(out)


def aging_table(path):
    out = ["| mapping | refresh | age (× lifetime) | age (years) | accuracy | cells out of tolerance | refresh writes |",
           "|---|---|---|---|---|---|---|"]
    for r in rows(path):
        out.append(f"| {r['strategy']} | {r['label']} | {g(r['age_rel'])} | {g(r['age_years'])} | {g(r['accuracy'])} | "
                   f"{int(float(r['out_of_tolerance_cells'])):,} | {g(r['refresh_writes'])} |")
    return "\n".join(out)


def main(folder):
    folder = Path(folder)
    names = {r["strategy"] for r in rows(folder / "lifetime.csv")}
    studied = "espine" if "espine" in names else "read-aware"
    print(lifetime_table(folder, studied), end="\n\n")
    print(averages_table(folder), end="\n\n")
    for path in sorted(folder.glob("sensitivity_*.csv")):
        print(f"<!-- {path.name} -->")
        print(sensitivity_table(path), end="\n\n")
    if any(folder.glob("sensitivity_*.csv")):
        print("<!-- tornado -->")
        print(tornado_table(folder, studied), end="\n\n")
    if (folder / "aging.csv").is_file():
        print("<!-- aging.csv -->")
        print(aging_table(folder / "aging.csv"), end="\n\n")


if __name__ == "__main__":
    main(sys.argv[1])
