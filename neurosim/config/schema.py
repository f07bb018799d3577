"""The hardware-config language: one pydantic model per YAML section.

Every key carries its unit in its name (``_v``, ``_s``, ``_ohm``, ``_pj``, ``_cycles``, ``_k`` ...).
Field descriptions are the documentation: docs/hwconfig.md and the JSON Schema are generated from
these models (``scripts/gen_hwconfig_docs.py``), and a test keeps them in step.

Sources for defaults are given in the descriptions; see docs/models.md and docs/references.md.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

#: The largest value of any integer key: every count, size and latency of a chip is held in the
#: engine's 32-bit arrays, and a chip needing more is far beyond any machine anyway.
INT_MAX = 2 ** 31 - 1


def _plain_number(value: Any, whole: bool) -> Any:
    """Numbers only, as numbers: a boolean (``true``) or a quoted string (``"8"``) is not silently
    taken for 1 or 8; NumPy scalars from Python callers become Python numbers. Fractional floats for
    integer keys and ``.inf``/``.nan`` are refused by the field itself (``allow_inf_nan=False``)."""
    kind, what = ("int_type", "a valid integer") if whole else ("float_type", "a valid number")
    if isinstance(value, (bool, np.bool_)):
        raise PydanticCustomError(kind, f"Input should be {what}, not a boolean")
    if isinstance(value, (str, bytes)):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        try:
            float(text)
        except ValueError:
            raise PydanticCustomError(kind, f"Input should be {what}, not a string") from None
        raise PydanticCustomError(kind, f"Input should be {what}, not a quoted string (write {text.strip()[:30]} without quotes)")
    if isinstance(value, np.generic) and isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _whole(value: Any) -> Any:
    return _plain_number(value, True)


def _real(value: Any) -> Any:
    return _plain_number(value, False)


def int_key(**bounds) -> Any:
    """An integer key with bounds (``gt``, ``ge``, ``lt``, ``le``): no booleans, strings or fractions,
    at most :data:`INT_MAX`. (Constraints first, so that the JSON Schema shows them as bounds.)"""
    bounds.setdefault("le", INT_MAX)
    return Annotated[int, Field(**bounds), BeforeValidator(_whole)]


def real_key(**bounds) -> Any:
    """A real-valued key with bounds: no booleans or strings; finite (``allow_inf_nan=False``)."""
    return Annotated[float, Field(**bounds), BeforeValidator(_real)] if bounds else Annotated[float, BeforeValidator(_real)]


Int = int_key()
PosFloat = real_key(gt=0)
NonNegFloat = real_key(ge=0)
PosInt = int_key(gt=0)
NonNegInt = int_key(ge=0)
Fraction = real_key(ge=0, le=1)
OpenFraction = real_key(gt=0, lt=1)

#: The most clock cycles one tick may last (the engine's cycle counters are 64-bit over a run).
MAX_TICK_CYCLES = float(2 ** 40)

#: A yes/no key: ``true`` or ``false`` only (not 1, 0 or "yes").
StrictBool = Annotated[bool, Field(strict=True)]

#: The largest number of distinguishable conductance levels assumed per device type.
#: PCM: multilevel PCM beyond 4-6 bits is not demonstrated with drift (Le Gallo & Sebastian 2020);
#: RRAM: 64 levels (6 bit) in HfOx arrays (Li et al., Nat. Commun. 2018; Yao et al., Nature 2020).
MAX_LEVELS = {"pcm": 64, "rram": 64}


class _Section(BaseModel):
    """Base of every section. Cross-field validators raise ``ValueError("key.path: message")`` with the
    key path relative to the section, so that the loader can point at the offending key's line."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False,
                              strict=False)


# --------------------------------------------------------------------------------------------
# Network on chip
# --------------------------------------------------------------------------------------------
class NocConfig(_Section):
    """Mesh network-on-chip between tiles (one router per tile, XY routing)."""

    topology: Literal["mesh"] = Field("mesh", description="Network topology. Only a 2-D mesh is modelled.")
    mesh_width: PosInt = Field(description="Tiles along x (columns of the mesh).")
    mesh_height: PosInt = Field(description="Tiles along y (rows of the mesh).")
    routing: Literal["xy"] = Field("xy", description="Routing algorithm: dimension-ordered XY (x first, then y).")
    multicast: Literal["router", "replicate"] = Field(
        "router",
        description="How one spike reaches several destination tiles: `router` forks one packet "
        "inside the routers along the XY tree; `replicate` sends one unicast packet per destination tile.",
    )
    router_latency_cycles: NonNegInt = Field(2, description="Cycles a flit spends in one router (Noxim setup of the eSpine study: 2).")
    link_latency_cycles: PosInt = Field(1, description="Cycles to cross one link between neighbouring routers.")
    flit_size_bits: PosInt = Field(32, description="Width of one flit (Noxim default 32 bit).")
    flits_per_packet: PosInt = Field(1, description="Flits in one spike packet (a spike is an address event).")
    buffer_depth_flits: PosInt = Field(4, description="Input buffer depth per router port, in flits; full buffers back-pressure upstream.")
    energy_hop_per_flit_pj: NonNegFloat = Field(
        description="Energy to move one flit across one router and its output link (pJ).",
    )
    energy_local_delivery_pj: NonNegFloat = Field(
        0.0, description="Energy to hand one packet from the router to a crossbar in the same tile (pJ).",
    )


# --------------------------------------------------------------------------------------------
# Tiles and crossbars
# --------------------------------------------------------------------------------------------
class TileConfig(_Section):
    """What one tile holds."""

    crossbars_per_tile: PosInt = Field(1, description="Crossbars in each tile.")
    crossbar_rows: PosInt = Field(description="Word lines per crossbar: one row per presynaptic input.")
    crossbar_columns: PosInt = Field(
        description="Physical bit lines per crossbar. Signed weights use two columns per neuron "
        "(differential) or one shared reference column (see device.weight_encoding).",
    )
    access_device: Literal["0T1R", "1T1R"] = Field(
        "1T1R", description="Cell access device: `1T1R` (a transistor selects the cell) or `0T1R` (passive crossbar).",
    )
    access_resistance_ohm: NonNegFloat = Field(
        0.0, description="On-resistance of the 1T1R access transistor, in series with each cell (ohm).",
    )

    @model_validator(mode="after")
    def _access(self):
        if self.access_device == "0T1R" and self.access_resistance_ohm != 0.0:
            raise ValueError("access_resistance_ohm: must be 0 for a 0T1R (passive) crossbar")
        return self


class CrossbarConfig(_Section):
    """Crossbar electrics (docs/design.md#crossbar-electrics): drivers at column 0 of each word line,
    sense amplifiers at row R-1 of each bit line, one wire segment between neighbouring cells."""

    wire_resistance_row_ohm: NonNegFloat = Field(
        description="Word-line wire resistance per cell pitch (ohm). About 1 ohm at 45 nm, 4 ohm at 14 nm (NeuroSim Param.cpp).",
    )
    wire_resistance_col_ohm: NonNegFloat = Field(
        description="Bit-line wire resistance per cell pitch (ohm). About 3 ohm at 45 nm, 12 ohm at 14 nm (NeuroSim Param.cpp).",
    )
    driver_resistance_ohm: NonNegFloat = Field(0.0, description="Output resistance of each word-line driver (ohm).")
    sense_resistance_ohm: NonNegFloat = Field(0.0, description="Input resistance of each bit-line sense amplifier into virtual ground (ohm).")
    read_voltage_v: PosFloat = Field(description="Word-line read voltage applied to an active row (V).")
    read_pulse_s: PosFloat = Field(description="Duration of one read pulse (s); also the read-disturb stress time per read.")
    program_voltage_v: PosFloat = Field(description="Programming (write) pulse amplitude at the driver (V).")
    program_pulse_s: PosFloat = Field(description="Duration of one programming pulse (s).")
    ir_drop_method: Literal["exact", "fast", "none"] = Field(
        "exact",
        description="How cell voltages are solved: `exact` sparse nodal analysis (SuperLU, factorised once per "
        "conductance state), `fast` compiled conjugate gradients preconditioned by line Gauss-Seidel, `none` ignores "
        "wire, driver, sense and access resistances (v_cell = v_in). 1T1R row reads are exact one-row ladders either way "
        "(docs/models.md).",
    )
    ir_drop_compensation: Literal["none", "write_verify"] = Field(
        "none",
        description="`write_verify`: cells are programmed and verified against the in-array read, so each holds the "
        "level whose apparent conductance (the IR drop of its row read included) is nearest its target: G = "
        "level nearest g/alpha, alpha = apparent/programmed conductance of the cell (two passes at the initial "
        "programming; the present alpha for writes during a run). Compensates the static IR drop, not device "
        "variation; limited by the device range. No effect with `ir_drop_method: none` or an ideal device.",
    )
    ir_drop_tolerance_rel: PosFloat = Field(
        1e-9, description="Relative residual tolerance ||b - A x|| / ||b|| of the `fast` solver (round-off floor about 1e-12).",
    )
    effective_weight_rebuild_rel: PosFloat = Field(
        1e-3,
        description="The IR-distorted effective weight matrix of a crossbar is rebuilt when any cell's "
        "conductance has moved by more than this fraction since the last build.",
    )
    wire_temperature_coefficient_per_k: NonNegFloat = Field(
        0.0045, description="Wire resistivity temperature coefficient (1/K); copper about 0.45 %/K.",
    )


# --------------------------------------------------------------------------------------------
# Device: endurance laws
# --------------------------------------------------------------------------------------------
class _EnduranceBase(_Section):
    endurance_ref_cycles: PosFloat = Field(1e7, description="Median endurance at the reference condition (programming cycles). PCM 1e6-1e9; 1e7-1e8 commonly assumed.")
    spread_sigma_ln: NonNegFloat = Field(0.0, description="Device-to-device spread: sigma of ln(endurance), lognormal around the position-dependent median.")


class NoEndurance(_Section):
    """Cells never wear out (ideal or digital memories)."""

    law: Literal["none"] = Field(description="No wear-out.")


class PowerLawCurrent(_EnduranceBase):
    """E = E_ref · (I_ref / I_prog)^k: endurance falls as a power of the programming current."""

    law: Literal["power_current"] = Field(description="Power law in programming current.")
    current_ref_a: PosFloat = Field(description="Programming current at which endurance equals endurance_ref_cycles (A).")
    exponent: PosFloat = Field(2.0, description="Exponent k of the power law (dimensionless).")


class ExponentialVoltage(_EnduranceBase):
    """log10 E = log10 E_ref − s · (|V_cell| − V_ref) (Balatti et al., IEEE TED 62(10) 2015, HfOx RRAM)."""

    law: Literal["exp_voltage"] = Field(description="log10 endurance linear in the cell's programming voltage.")
    voltage_ref_v: PosFloat = Field(description="Cell programming voltage at which endurance equals endurance_ref_cycles (V).")
    decades_per_volt: PosFloat = Field(description="Slope s: decades of endurance lost per volt of extra cell voltage.")


class ThermalActivated(_EnduranceBase):
    """E(T) = E_ref · exp[(E_a/k_B)(1/T − 1/T_ref)] with self-heating T = T_amb + R_th · I² · R_cell."""

    law: Literal["thermal"] = Field(description="Thermally activated through self-heating during programming.")
    activation_energy_ev: PosFloat = Field(description="Activation energy E_a (eV).")
    reference_temperature_k: PosFloat = Field(description="Cell temperature during programming at which endurance equals endurance_ref_cycles (K).")
    thermal_resistance_k_per_w: PosFloat = Field(description="Cell thermal resistance R_th for self-heating during the pulse (K/W).")


WriteEnduranceLaw = Annotated[
    Union[NoEndurance, PowerLawCurrent, ExponentialVoltage, ThermalActivated],
    Field(discriminator="law"),
]


class NoReadDisturb(_Section):
    """Reads never disturb the stored conductance."""

    law: Literal["none"] = Field(description="No read disturb.")


class JiangReadDisturb(_Section):
    """Jiang et al. analytical read-disturb failure-time model, with a separate Arrhenius factor.

    p(V) = c1·exp(a·|V|/kT); t_tr(N) = t0·F^(1/p)·(1 − k·N^m)^(1/p)·A(T)·L(G);
    G/G0 = (t_stress/t_tr)^(−p) once t_stress = n_reads·t_read exceeds t_tr.
    """

    law: Literal["jiang"] = Field(description="Jiang et al. read-disturb failure-time model.")
    t0_s: PosFloat = Field(1.55e-8, description="Time constant t0 (s).")
    f_factor: PosFloat = Field(1.43339, description="Failure criterion factor F (dimensionless).")
    c1: PosFloat = Field(0.0068, description="Drift exponent prefactor c1.")
    a: PosFloat = Field(0.11, description="Voltage acceleration a (dimensionless, multiplies |V|/kT).")
    k: NonNegFloat = Field(0.003, description="Cycling degradation prefactor k.")
    m: PosFloat = Field(0.41, description="Cycling degradation exponent m.")
    fit_temperature_k: PosFloat = Field(300.0, description="Temperature at which the fit's kT is evaluated (K). Temperature enters the model through the Arrhenius factor only.")
    activation_energy_ev: NonNegFloat = Field(0.5, description="Arrhenius activation energy of the onset time (eV); hotter cells fail sooner.")
    reference_temperature_k: PosFloat = Field(300.0, description="Temperature at which the Arrhenius factor is 1 (K).")
    level_exponent: NonNegFloat = Field(
        1.0,
        description="Stored-level dependence of the onset time: t_tr is multiplied by (G/G_max)^(-level_exponent); "
        "0 makes read endurance independent of the stored level.",
    )
    drift_tolerance_rel: OpenFraction = Field(
        0.1, description="A cell has failed (needs reprogramming) once |G − G0|/G0 exceeds this fraction.",
    )


ReadDisturbLaw = Annotated[Union[NoReadDisturb, JiangReadDisturb], Field(discriminator="law")]


class VariationConfig(_Section):
    """Device-to-device (fixed per cell, seeded) and cycle-to-cycle (per programming pulse) variation."""

    d2d_sigma_rel: NonNegFloat = Field(0.0, description="Relative sigma of each cell's programmed conductance, fixed per cell.")
    c2c_sigma_rel: NonNegFloat = Field(0.0, description="Relative sigma of the conductance reached by one programming pulse, as a fraction of g_max_s.")


class FaultConfig(_Section):
    """Stuck-at faults: from fabrication and from wear-out."""

    stuck_at_rate: Fraction = Field(0.0, description="Fraction of cells stuck from fabrication (seeded).")
    stuck_level: Literal["g_min", "g_max"] = Field("g_min", description="Level of fabrication stuck-at cells.")
    wearout_stuck_level: Literal["g_min", "g_max"] = Field(
        "g_max",
        description="Level at which a cell that reached its write endurance stays stuck (PCM: stuck-SET = g_max).",
    )


class TemperatureConfig(_Section):
    """Ambient temperature and optional self-heating with neighbour coupling (Titirsha & Das, LCPC 2020)."""

    ambient_k: PosFloat = Field(300.0, description="Ambient (chip) temperature (K).")
    self_heating: StrictBool = Field(False, description="Add each cell's own read/write dissipation and its neighbours' to its temperature.")
    thermal_resistance_k_per_w: NonNegFloat = Field(0.0, description="Cell thermal resistance to ambient for average dissipated power (K/W).")
    neighbour_coupling: Fraction = Field(0.0, description="Fraction of a neighbour's temperature rise coupled into a cell.")


class DeviceConfig(_Section):
    """The memristive device in every cell."""

    type: Literal["pcm", "rram", "ideal"] = Field(description="Device technology: `pcm`, `rram`, or `ideal` (no parasitics, continuous, no wear).")
    g_min_s: NonNegFloat = Field(description="Lowest programmable conductance (S).")
    g_max_s: PosFloat = Field(description="Highest programmable conductance (S).")
    levels: Optional[Int] = Field(
        None, description="Number of programmable conductance levels (>= 2), or null for continuous.",
    )
    weight_encoding: Literal["differential", "reference_column", "signed"] = Field(
        "differential",
        description="How a signed weight is stored: `differential` pair of columns (G+ − G−), `reference_column` "
        "(one shared column at the mid conductance is subtracted), or `signed` (one cell holds a signed value; ideal/digital only).",
    )
    weight_scale: PosFloat = Field(
        1.0, description="Weight magnitude that maps onto the full conductance range g_max_s − g_min_s (network units).",
    )
    write_endurance: WriteEnduranceLaw = Field(
        default_factory=lambda: NoEndurance(law="none"), description="Write-endurance law (programming cycles to failure).",
    )
    read_disturb: ReadDisturbLaw = Field(
        default_factory=lambda: NoReadDisturb(law="none"), description="Read-disturb law.",
    )
    variation: VariationConfig = Field(default_factory=VariationConfig, description="Variation.")
    faults: FaultConfig = Field(default_factory=FaultConfig, description="Stuck-at faults.")
    temperature: TemperatureConfig = Field(default_factory=TemperatureConfig, description="Temperature.")
    program_cell_resistance_ohm: Optional[PosFloat] = Field(
        None,
        description="Cell resistance while a programming pulse flows (PCM: dynamic resistance of the molten state, "
        "Rajendran et al., VLSI 2008); null uses 1/g_max_s. Sets the programming current of the series path.",
    )
    energy_set_pj: NonNegFloat = Field(0.0, description="Energy of one SET pulse into the cell (pJ); 0 computes V·I·t from the solved circuit.")
    energy_reset_pj: NonNegFloat = Field(0.0, description="Energy of one RESET pulse into the cell (pJ); 0 computes V·I·t from the solved circuit.")

    @model_validator(mode="after")
    def _consistent(self):
        if self.g_max_s <= self.g_min_s:
            raise ValueError(f"g_max_s: ({self.g_max_s:g}) must be larger than g_min_s ({self.g_min_s:g})")
        if self.weight_encoding == "signed" and self.type != "ideal":
            raise ValueError("weight_encoding: 'signed' is only possible for device type 'ideal' (a memristor's conductance is positive)")
        if self.levels is not None:
            if self.levels < 2:
                raise ValueError(f"levels: must be at least 2 (or null for continuous), got {self.levels}")
            cap = MAX_LEVELS.get(self.type)
            if cap is not None and self.levels > cap:
                raise ValueError(f"levels: a {self.type} device cannot hold {self.levels} levels; at most {cap} are distinguishable")
            spacing = (self.g_max_s - self.g_min_s) / (self.levels - 1)
            noise = self.variation.c2c_sigma_rel * self.g_max_s
            if noise > 0 and spacing < 2.0 * noise:
                max_levels = int((self.g_max_s - self.g_min_s) / (2.0 * noise)) + 1
                raise ValueError(
                    f"levels: {self.levels} levels are spaced {spacing:.3g} S apart, less than twice the cycle-to-cycle "
                    f"programming noise ({noise:.3g} S): this device holds at most {max_levels} levels"
                )
        if self.type == "ideal":
            if self.write_endurance.law != "none" or self.read_disturb.law != "none":
                raise ValueError("write_endurance.law: an 'ideal' device has no wear: write_endurance.law and read_disturb.law must be 'none'")
        return self


# --------------------------------------------------------------------------------------------
# Neurons, peripherals, learning, refresh
# --------------------------------------------------------------------------------------------
class NeuronCircuitConfig(_Section):
    """The neuron circuit attached to each crossbar column."""

    update_latency_cycles: NonNegInt = Field(1, description="Cycles to update one neuron at a tick boundary.")
    update_energy_pj: NonNegFloat = Field(description="Energy of one neuron update (pJ).")
    spike_out_latency_cycles: NonNegInt = Field(1, description="Cycles from a neuron firing to its packet entering the router.")
    spike_out_energy_pj: NonNegFloat = Field(description="Energy to emit one spike (pJ).")
    neurons_update_in_parallel: PosInt = Field(
        1, description="Neurons one crossbar's neuron circuits update per cycle (time-multiplexing degree).",
    )
    input_gain: Literal["fit", "expand", "none"] = Field(
        "fit", description="Each neuron's weight range mapped onto the device range ±weight_scale by a power-of-two input "
        "gain g: its synapses store w/g and the neuron integrates in units of g (threshold and reset divided by g) — exact. "
        "`fit`: every neuron, so its largest stored weight lies in (weight_scale/2, weight_scale] and uses the device's "
        "levels; `expand`: only neurons whose weights exceed the range; `none`: no gain. Neurons with plastic inputs get "
        "no gain. Weights that still exceed the range are clipped, with a warning naming the projection "
        "(docs/engine.md §2).")


class PeripheralConfig(_Section):
    """Row drivers, sense amplifiers / ADCs and write drivers."""

    row_driver_energy_pj: NonNegFloat = Field(0.0, description="Energy to drive one word line for one read (pJ).")
    row_read_latency_cycles: PosInt = Field(1, description="Cycles one row read occupies its crossbar (drive, settle, sense).")
    sense_energy_per_column_pj: NonNegFloat = Field(0.0, description="Sense amplifier / ADC energy per column per row read (pJ).")
    adc_bits: Optional[PosInt] = Field(
        None, ge=2, le=24, description="ADC resolution of the column current (bits, sign included); null for ideal "
        "sensing. A one-row read is converted to round(I / LSB) codes, saturating at ±(2^(bits-1) - 1) (counted), with "
        "LSB = full scale / (2^(bits-1) - 1) (docs/engine.md §2, ADC).")
    adc_range: Literal["calibrated", "device"] = Field(
        "calibrated", description="ADC full scale of each crossbar: `calibrated` — the largest weight programmed into it "
        "(the bound of a plastic synapse's rule counts), as a per-crossbar range calibration sets it; `device` — the "
        "device range ±weight_scale.")
    adc_energy_per_conversion_pj: NonNegFloat = Field(
        0.0, description="Energy of one ADC conversion (pJ); a row read converts every physical column.")
    adc_latency_cycles: NonNegInt = Field(0, description="Cycles one conversion adds to a row read.")
    energy_per_synapse_read_pj: NonNegFloat = Field(
        0.0, description="Fixed energy per occupied cell (synapse) of a read row (pJ): the synaptic-op energy of digital memories.",
    )
    write_driver_energy_pj: NonNegFloat = Field(0.0, description="Driver energy per programming pulse, on top of the cell's own (pJ).")
    write_latency_cycles: PosInt = Field(1, description="Cycles one programming pulse occupies its crossbar.")


class LearningConfig(_Section):
    """On-chip learning support."""

    enabled: StrictBool = Field(False, description="The chip programs plastic synapses on chip (STDP); each weight change is a write.")
    min_weight_change_rel: NonNegFloat = Field(
        0.0, description="Weight changes smaller than this fraction of weight_scale are not written (0: every change whose quantised level differs is written).",
    )
    level_update: Literal["nearest", "accumulate"] = Field(
        "nearest", description="How a learned weight becomes a device level. `nearest`: each cell is programmed to the level "
        "nearest the encoding of the learning circuit's weight whenever that level differs from the cell's. `accumulate`: "
        "mixed-precision update (Nandakumar et al., Front. Neurosci. 2020): the cell moves by whole level steps toward that "
        "encoding, and only once it is at least one step away, so a weight dithering around a level boundary writes nothing. "
        "Devices without levels always use `nearest`.",
    )
    write_scheme: Literal["program_verify", "single_pulse"] = Field(
        "program_verify", description="How a learning write reaches its target. `program_verify`: pulse, read back, repeat "
        "until the cell is within the verify tolerance; each iteration is a pulse (wear, energy, write_latency_cycles) and "
        "a verify read of the cell (row_driver_energy_pj + sense_energy_per_column_pj, row_read_latency_cycles). With "
        "cycle-to-cycle noise σ = c2c_sigma_rel·g_max a pulse lands within the tolerance t with probability p = erf(t / "
        "(σ√2)); the iterations of a write are geometric with mean 1/p, drawn per write from the run's seed. "
        "`single_pulse`: one pulse, no read back (docs/engine.md §3).")
    verify_tolerance_rel: OpenFraction = Field(
        0.05, description="Verify tolerance of a continuous device as a fraction of g_max - g_min; a multilevel device "
        "verifies to half its level spacing.")
    verify_max_iterations: PosInt = Field(
        16, description="Pulses after which program-and-verify gives up on a write (counted in counts['verify_gave_up']).")


class RefreshConfig(_Section):
    """Refresh of read-disturbed cells."""

    policy: Literal["none", "reprogram"] = Field("none", description="`reprogram`: rewrite a cell once its drift passes drift_tolerance_rel; each refresh is a write.")
    drift_tolerance_rel: OpenFraction = Field(0.05, description="Relative conductance drift that triggers a refresh.")


class LeakageConfig(_Section):
    """Static power."""

    power_per_tile_w: NonNegFloat = Field(0.0, description="Leakage power of one powered tile (W), charged over every simulated cycle.")
    gating: Literal["idle_tiles", "none"] = Field(
        "idle_tiles", description="Which tiles leak. `idle_tiles`: only powered tiles — those holding a used crossbar "
        "(synapses or neuron circuits) or whose router moves a flit; the others are power-gated. `none`: every tile "
        "of the chip, used or not.")


class HardwareConfig(_Section):
    """A whole chip: a mesh of tiles of memristive crossbars."""

    name: str = Field(description="Short name of the chip.")
    description: str = Field("", description="Free text.")
    clock_hz: PosFloat = Field(description="Clock frequency of the NoC and crossbar control (Hz).")
    tick_period_s: PosFloat = Field(description="Algorithmic timestep (tick) period: real-time budget of one SNN step (s).")
    noc: NocConfig = Field(description="Network on chip.")
    tile: TileConfig = Field(description="Tile contents.")
    crossbar: CrossbarConfig = Field(description="Crossbar electrics.")
    device: DeviceConfig = Field(description="Memristive device.")
    neuron: NeuronCircuitConfig = Field(description="Neuron circuit.")
    peripherals: PeripheralConfig = Field(default_factory=PeripheralConfig, description="Crossbar peripherals.")
    learning: LearningConfig = Field(default_factory=LearningConfig, description="On-chip learning.")
    refresh: RefreshConfig = Field(default_factory=RefreshConfig, description="Refresh policy.")
    leakage: LeakageConfig = Field(default_factory=LeakageConfig, description="Leakage.")

    _source_file: Optional[str] = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self):
        cycles = self.tick_period_s * self.clock_hz
        if not cycles < MAX_TICK_CYCLES:      # also catches an overflow to inf
            raise ValueError(
                f"tick_period_s: ({self.tick_period_s:g} s) at clock_hz={self.clock_hz:g} is {cycles:.3g} clock cycles "
                f"per tick, more than the {MAX_TICK_CYCLES:.3g} the engine counts"
            )
        if self.tick_period_cycles < 1:
            raise ValueError(
                f"tick_period_s: ({self.tick_period_s:g} s) is shorter than one clock cycle at clock_hz={self.clock_hz:g}"
            )
        enc = self.device.weight_encoding
        if enc == "differential" and self.tile.crossbar_columns % 2:
            raise ValueError(
                f"tile.crossbar_columns: ({self.tile.crossbar_columns}) must be even for differential weight encoding"
            )
        if self.neurons_per_crossbar < 1:
            raise ValueError("tile.crossbar_columns: leaves no column for a neuron with this weight_encoding")
        return self

    # ---- derived quantities (not YAML keys) ----
    @property
    def source_file(self) -> Optional[str]:
        """The YAML file this config was loaded from (None when built in Python)."""
        return self._source_file

    @property
    def tick_period_cycles(self) -> int:
        """Clock cycles in one tick."""
        return int(round(self.tick_period_s * self.clock_hz))

    @property
    def n_tiles(self) -> int:
        return self.noc.mesh_width * self.noc.mesh_height

    @property
    def n_crossbars(self) -> int:
        return self.n_tiles * self.tile.crossbars_per_tile

    @property
    def columns_per_neuron(self) -> int:
        """Physical columns one postsynaptic neuron occupies (2 for differential pairs)."""
        return 2 if self.device.weight_encoding == "differential" else 1

    @property
    def neurons_per_crossbar(self) -> int:
        """Postsynaptic neurons one crossbar holds (logical columns)."""
        cols = self.tile.crossbar_columns
        enc = self.device.weight_encoding
        if enc == "differential":
            return cols // 2
        if enc == "reference_column":
            return cols - 1
        return cols

    @property
    def cells_per_crossbar(self) -> int:
        return self.tile.crossbar_rows * self.tile.crossbar_columns

    def summary(self) -> dict:
        """Capacity summary: tiles, crossbars, cells, neurons and synapses the chip can hold."""
        return {
            "name": self.name,
            "device": self.device.type,
            "mesh": f"{self.noc.mesh_width}x{self.noc.mesh_height}",
            "tiles": self.n_tiles,
            "crossbars": self.n_crossbars,
            "crossbar": f"{self.tile.crossbar_rows}x{self.tile.crossbar_columns}",
            "cells": self.n_crossbars * self.cells_per_crossbar,
            "neuron_capacity": self.n_crossbars * self.neurons_per_crossbar,
            "synapse_capacity": self.n_crossbars * self.neurons_per_crossbar * self.tile.crossbar_rows,
            "tick_period_cycles": self.tick_period_cycles,
            "levels": self.device.levels if self.device.levels is not None else "continuous",
            "weight_encoding": self.device.weight_encoding,
            "on_chip_learning": self.learning.enabled,
        }
