"""Energy per inference and power by component, from the engine's energy breakdown (pJ per class)."""
from __future__ import annotations

__all__ = ["energy_report"]


def energy_report(energy_pj: dict, *, inferences: float, run_seconds: float, counts: dict | None = None) -> dict:
    """Energy of a run split per inference (pJ) and per second (W), by component, and into static
    (``leakage``) and dynamic (every other class) energy per inference.

    ``energy_pj`` maps component → pJ for the whole run (``"total"`` is recomputed if missing);
    ``counts`` (the engine's) adds energy per synaptic event and per spike, and ``powered_tiles``.

    >>> r = energy_report({"row_read": 30.0, "noc_hop": 10.0}, inferences=2, run_seconds=1e-3)
    >>> r["per_inference_pj"]["total"], r["power_w"]["total"]
    (20.0, 4e-08)
    """
    if inferences <= 0 or run_seconds <= 0:
        raise ValueError("inferences and run_seconds must be > 0")
    comp = {k: float(v) for k, v in energy_pj.items() if k != "total"}
    total = float(energy_pj.get("total", sum(comp.values())))
    comp["total"] = total
    out = {
        "run_pj": dict(comp),
        "per_inference_pj": {k: v / inferences for k, v in comp.items()},
        "power_w": {k: v * 1e-12 / run_seconds for k, v in comp.items()},
        "fraction": {k: (v / total if total > 0 else 0.0) for k, v in comp.items() if k != "total"},
    }
    # static (leakage) apart from dynamic (every event class): a mapping controls the dynamic part
    static = comp.get("leakage", 0.0)
    out["static_per_inference_pj"] = static / inferences
    out["dynamic_per_inference_pj"] = (total - static) / inferences
    out["static_fraction"] = static / total if total > 0 else 0.0
    if counts:
        if "powered_tiles" in counts:
            out["powered_tiles"] = int(counts["powered_tiles"])
        syn = counts.get("synaptic_events", 0)
        spk = counts.get("spikes_out", 0)
        out["per_synaptic_event_pj"] = total / syn if syn else 0.0
        out["per_spike_pj"] = total / spk if spk else 0.0
    return out
