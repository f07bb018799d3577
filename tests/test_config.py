"""Hardware-config language: shipped presets, every validation rule, and error locations."""
import textwrap

import pytest

import neurosim as ns
from neurosim.config import HardwareConfigError, load_hardware, preset_names
from neurosim.config.loader import expand_dotted

SHIPPED = ["espine_pcm", "rram_inference", "ideal", "loihi_like"]


def write(tmp_path, text, name="chip.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path, needle):
    """1-based line of the first line containing ``needle`` (computed from the file, not assumed)."""
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def only_issue(exc_info):
    issues = exc_info.value.issues
    assert len(issues) == 1, [str(i) for i in issues]
    return issues[0]


def test_presets_are_shipped():
    assert set(SHIPPED) <= set(preset_names())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_loads_by_name_and_path(name, hwconfig_dir):
    by_name = load_hardware(name)
    by_path = load_hardware(hwconfig_dir / f"{name}.yaml")
    assert by_name.model_dump() == by_path.model_dump()
    assert by_path.source_file.endswith(f"{name}.yaml")
    s = by_name.summary()
    assert s["cells"] == s["crossbars"] * by_name.tile.crossbar_rows * by_name.tile.crossbar_columns
    assert s["synapse_capacity"] == s["neuron_capacity"] * by_name.tile.crossbar_rows


def test_espine_pcm_is_the_eSpine_chip():
    hw = load_hardware("espine_pcm")
    assert (hw.tile.crossbar_rows, hw.tile.crossbar_columns) == (128, 128)
    assert hw.device.type == "pcm" and hw.learning.enabled
    assert hw.device.write_endurance.law != "none"


def test_rram_inference_has_read_disturb():
    hw = load_hardware("rram_inference")
    assert hw.device.type == "rram" and hw.device.read_disturb.law == "jiang"
    assert not hw.learning.enabled


def test_ideal_has_no_parasitics():
    hw = load_hardware("ideal")
    assert hw.crossbar.ir_drop_method == "none" and hw.device.levels is None
    assert hw.crossbar.wire_resistance_row_ohm == hw.crossbar.wire_resistance_col_ohm == 0.0


def test_loihi_like_uses_published_energies():
    hw = load_hardware("loihi_like")
    assert hw.peripherals.energy_per_synapse_read_pj == pytest.approx(23.6)
    assert hw.neuron.update_energy_pj == pytest.approx(52.0)
    assert hw.noc.energy_hop_per_flit_pj == pytest.approx(3.0)


def test_derived_capacity_by_encoding(tmp_path):
    base = "extends: espine_pcm\ntile:\n  crossbar_columns: 10\ndevice:\n  weight_encoding: {}\n"
    diff = load_hardware(write(tmp_path, base.format("differential"), "d.yaml"))
    ref = load_hardware(write(tmp_path, base.format("reference_column"), "r.yaml"))
    assert diff.neurons_per_crossbar == 5 and diff.columns_per_neuron == 2
    assert ref.neurons_per_crossbar == 9 and ref.columns_per_neuron == 1


def test_extends_overrides_and_keeps_the_rest(tmp_path):
    path = write(tmp_path, """
        extends: espine_pcm
        name: small
        tile:
          crossbar_rows: 64
    """)
    hw = load_hardware(path)
    base = load_hardware("espine_pcm")
    assert hw.name == "small" and hw.tile.crossbar_rows == 64
    assert hw.tile.crossbar_columns == base.tile.crossbar_columns
    assert hw.device.model_dump() == base.device.model_dump()


def test_extends_chain_relative_path(tmp_path):
    write(tmp_path, "extends: ideal\nname: mid\nnoc:\n  mesh_width: 2\n", "mid.yaml")
    top = write(tmp_path, "extends: mid.yaml\nnoc:\n  mesh_height: 3\n", "top.yaml")
    hw = load_hardware(top)
    assert (hw.name, hw.noc.mesh_width, hw.noc.mesh_height) == ("mid", 2, 3)


def test_error_in_parent_points_at_parent_file(tmp_path):
    parent = write(tmp_path, "extends: ideal\nnoc:\n  mesh_width: -3\n", "parent.yaml")
    child = write(tmp_path, "extends: parent.yaml\nname: child\n", "child.yaml")
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(child)
    issue = only_issue(exc)
    assert issue.file == str(parent) and issue.line == 3 and issue.key == "noc.mesh_width"


def test_circular_extends(tmp_path):
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    b = write(tmp_path, "extends: a.yaml\n", "b.yaml")
    with pytest.raises(HardwareConfigError, match="circular"):
        load_hardware(b)


def test_unknown_parent(tmp_path):
    path = write(tmp_path, "name: x\nextends: no_such_chip\n")
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    issue = only_issue(exc)
    assert issue.line == 2 and issue.key == "extends" and "espine_pcm" in issue.message


def test_missing_file_and_unknown_preset():
    with pytest.raises(HardwareConfigError, match="no such config file or preset"):
        load_hardware("definitely_not_a_chip")


def test_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, "name: x\nnoc: [1,\n")
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    issue = only_issue(exc)
    assert issue.file == str(path) and issue.line is not None and "syntax" in issue.message


def test_duplicate_key_is_an_error(tmp_path):
    path = write(tmp_path, "extends: ideal\nname: a\nname: b\n")
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    issue = only_issue(exc)
    assert issue.line == 3 and "duplicate key 'name'" in issue.message


def test_top_level_must_be_mapping(tmp_path):
    path = write(tmp_path, "- 1\n- 2\n")
    with pytest.raises(HardwareConfigError, match="mapping"):
        load_hardware(path)


# (yaml snippet on top of a preset, key path expected in the error, text expected in the message)
RULES = [
    ("noc:\n  mesh_heigth: 4\n", "noc.mesh_heigth", "did you mean 'mesh_height'"),
    ("device:\n  write_endurance:\n    activaton_energy_ev: 3\n", "device.write_endurance.activaton_energy_ev",
     "did you mean 'activation_energy_ev'"),
    ("noc:\n  mesh_width: 0\n", "noc.mesh_width", "greater than 0"),
    ("noc:\n  mesh_height: -2\n", "noc.mesh_height", "greater than 0"),
    ("noc:\n  mesh_width: four\n", "noc.mesh_width", "valid integer"),
    ("noc:\n  mesh_width: 2.5\n", "noc.mesh_width", "integer"),
    ("noc:\n  routing: west_first\n", "noc.routing", "'xy'"),
    ("noc:\n  multicast: broadcast\n", "noc.multicast", "'router' or 'replicate'"),
    ("crossbar:\n  wire_resistance_row_ohm: -1.0\n", "crossbar.wire_resistance_row_ohm", "greater than or equal to 0"),
    ("crossbar:\n  driver_resistance_ohm: -5\n", "crossbar.driver_resistance_ohm", "greater than or equal to 0"),
    ("crossbar:\n  read_voltage_v: 0\n", "crossbar.read_voltage_v", "greater than 0"),
    ("crossbar:\n  read_voltage_v: high\n", "crossbar.read_voltage_v", "valid number"),
    ("crossbar:\n  ir_drop_method: magic\n", "crossbar.ir_drop_method", "'exact', 'fast' or 'none'"),
    ("tile:\n  access_device: 2T2R\n", "tile.access_device", "'0T1R' or '1T1R'"),
    ("tile:\n  access_device: 0T1R\n  access_resistance_ohm: 10\n", "tile.access_resistance_ohm", "must be 0"),
    ("tile:\n  crossbar_columns: 127\n", "tile.crossbar_columns", "must be even"),
    ("device:\n  type: flash\n", "device.type", "'pcm', 'rram' or 'ideal'"),
    ("device:\n  levels: 1\n", "device.levels", "at least 2"),
    ("device:\n  levels: 1000\n", "device.levels", "cannot hold 1000 levels"),
    ("device:\n  levels: 16\n  variation:\n    c2c_sigma_rel: 0.05\n", "device.levels", "holds at most"),
    ("device:\n  g_max_s: 1.0e-7\n", "device.g_max_s", "must be larger than g_min_s"),
    ("device:\n  g_max_s: -1.0\n", "device.g_max_s", "greater than 0"),
    ("device:\n  weight_encoding: signed\n", "device.weight_encoding", "only possible for device type 'ideal'"),
    ("device:\n  write_endurance:\n    law: foo\n", "device.write_endurance.law", "unknown law 'foo'"),
    ("device:\n  read_disturb:\n    law: bar\n", "device.read_disturb.law", "unknown law 'bar'"),
    ("device:\n  read_disturb:\n    law: jiang\n    drift_tolerance_rel: 1.5\n", "device.read_disturb.drift_tolerance_rel", "less than 1"),
    ("device:\n  faults:\n    stuck_at_rate: 1.5\n", "device.faults.stuck_at_rate", "less than or equal to 1"),
    ("device:\n  faults:\n    wearout_stuck_level: g_mid\n", "device.faults.wearout_stuck_level", "'g_min' or 'g_max'"),
    ("device:\n  temperature:\n    ambient_k: 0\n", "device.temperature.ambient_k", "greater than 0"),
    ("neuron:\n  update_energy_pj: -1\n", "neuron.update_energy_pj", "greater than or equal to 0"),
    ("peripherals:\n  row_read_latency_cycles: 0\n", "peripherals.row_read_latency_cycles", "greater than 0"),
    ("refresh:\n  policy: sometimes\n", "refresh.policy", "'none' or 'reprogram'"),
    ("learning:\n  enabled: maybe\n", "learning.enabled", "boolean"),
    ("leakage:\n  power_per_tile_w: -1\n", "leakage.power_per_tile_w", "greater than or equal to 0"),
    ("tick_period_s: 1.0e-12\n", "tick_period_s", "shorter than one clock cycle"),
    ("clock_hz: 0\n", "clock_hz", "greater than 0"),
    ("colour: blue\n", "colour", "unknown key 'colour'"),
]


@pytest.mark.parametrize("snippet,key,text", RULES, ids=[r[1] + ":" + r[2][:20] for r in RULES])
def test_validation_rule_points_at_line_and_key(tmp_path, snippet, key, text):
    path = write(tmp_path, "extends: espine_pcm\n" + snippet)
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    issue = only_issue(exc)
    assert issue.key == key
    assert text in issue.message, issue.message
    assert issue.file == str(path)
    leaf = key.split(".")[-1]
    assert issue.line == line_of(path, leaf + ":")
    assert f"{path}:{issue.line}: {key}:" in str(exc.value)


def test_ideal_device_may_not_wear(tmp_path):
    path = write(tmp_path, """
        extends: ideal
        device:
          write_endurance:
            law: power_current
            current_ref_a: 1.0e-4
    """)
    with pytest.raises(HardwareConfigError, match="ideal' device has no wear"):
        load_hardware(path)


def test_missing_required_key(tmp_path):
    path = write(tmp_path, """
        name: bare
        clock_hz: 1.0e9
        tick_period_s: 1.0e-3
    """)
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    keys = {i.key for i in exc.value.issues}
    assert {"noc", "tile", "crossbar", "device", "neuron"} <= keys
    assert all("required key is missing" in i.message for i in exc.value.issues)


def test_several_problems_reported_together(tmp_path):
    path = write(tmp_path, "extends: espine_pcm\nnoc:\n  mesh_width: 0\ncrossbar:\n  read_voltage_v: -1\n")
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    assert {i.key for i in exc.value.issues} == {"noc.mesh_width", "crossbar.read_voltage_v"}


def test_overrides_dotted_and_nested():
    hw = load_hardware("espine_pcm", overrides={"crossbar.read_voltage_v": 0.3, "noc": {"mesh_width": 2}})
    assert hw.crossbar.read_voltage_v == 0.3 and hw.noc.mesh_width == 2
    with pytest.raises(HardwareConfigError, match="crossbar.read_voltage_v"):
        load_hardware("espine_pcm", overrides={"crossbar.read_voltage_v": -0.3})


def test_expand_dotted():
    assert expand_dotted({"a.b": 1, "a": {"c": 2}, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}


def test_lazy_public_api():
    assert ns.load_hardware is load_hardware
    assert ns.HardwareConfigError is HardwareConfigError
    with pytest.raises(AttributeError):
        ns.not_a_name


# ---------------------------------------------------------------------------------------------
# Hostile input: bounded YAML, numbers only as numbers, law-tag typos, extends chains
# ---------------------------------------------------------------------------------------------
_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))


def test_alias_bomb_is_refused_quickly(tmp_path):
    import time
    path = write(tmp_path, _BOMB)
    assert len(_BOMB) < 500
    start = time.perf_counter()
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    assert time.perf_counter() - start < 0.5
    issue = only_issue(exc)
    assert issue.line == 1 and "NEUROSIM_MAX_YAML_NODES" in issue.message and "4,412,961,516" in issue.message


def test_yaml_limits_follow_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROSIM_MAX_YAML_NODES", "10")
    with pytest.raises(HardwareConfigError, match="above the limit of 10"):
        load_hardware("espine_pcm")
    monkeypatch.delenv("NEUROSIM_MAX_YAML_NODES")
    monkeypatch.setenv("NEUROSIM_MAX_YAML_BYTES", "1k")
    with pytest.raises(HardwareConfigError, match="NEUROSIM_MAX_YAML_BYTES"):
        load_hardware("espine_pcm")


@pytest.mark.parametrize("text, line", [("[" * 100_000 + "]" * 100_000, 1),
                                        ("".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "v\n", 65)])
def test_deep_nesting_is_refused_without_recursion_error(tmp_path, text, line):
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(write(tmp_path, text))
    issue = only_issue(exc)
    assert issue.line == line and "NEUROSIM_MAX_YAML_DEPTH" in issue.message


@pytest.mark.parametrize("text", ["? [a]\n: 1\n", "{[1]: 2}\n", "noc:\n  ? {a: 1}\n  : 2\n"])
def test_unhashable_keys_are_located_errors(tmp_path, text):
    with pytest.raises(HardwareConfigError, match="a key must be a plain value"):
        load_hardware(write(tmp_path, text))


def test_merge_keys_and_anchors_work(tmp_path):
    hw = load_hardware(write(tmp_path, "extends: espine_pcm\nnoc: &n\n  mesh_width: 2\n  mesh_height: 2\n"
                                      "  energy_hop_per_flit_pj: 1.0\ntile:\n  <<: {crossbars_per_tile: 2}\n"))
    assert hw.n_tiles == 4 and hw.tile.crossbars_per_tile == 2


@pytest.mark.parametrize("snippet, key, text", [
    ("noc:\n  energy_hop_per_flit_pj: .inf\n", "noc.energy_hop_per_flit_pj", "finite number"),
    ("crossbar:\n  read_voltage_v: .nan\n", "crossbar.read_voltage_v", "finite number"),
    ("noc:\n  mesh_width: true\n", "noc.mesh_width", "not a boolean"),
    ("noc:\n  mesh_width: \"8\"\n", "noc.mesh_width", "quoted string"),
    ("noc:\n  mesh_width: 8.5\n", "noc.mesh_width", "fractional part"),
    ("device:\n  g_max_s: false\n", "device.g_max_s", "not a boolean"),
    ("noc:\n  mesh_width: " + "1" + "0" * 100 + "\n", "noc.mesh_width", "less than or equal to 2147483647"),
    ("learning:\n  enabled: 1\n", "learning.enabled", "valid boolean"),
])
def test_numbers_only_as_numbers(tmp_path, snippet, key, text):
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(write(tmp_path, "extends: espine_pcm\n" + snippet))
    issue = only_issue(exc)
    assert issue.key == key and issue.line == 3 and text in issue.message, issue


def test_integers_are_fine_for_real_keys_and_numpy_values_for_the_api(tmp_path):
    import numpy as np
    hw = load_hardware(write(tmp_path, "extends: espine_pcm\ncrossbar:\n  read_voltage_v: 1\nnoc:\n  mesh_width: 4.0\n"))
    assert hw.crossbar.read_voltage_v == 1.0 and hw.noc.mesh_width == 4 and isinstance(hw.noc.mesh_width, int)
    hw = load_hardware("espine_pcm", overrides={"noc.mesh_width": np.int64(3), "crossbar.read_voltage_v": np.float32(0.25)})
    assert hw.noc.mesh_width == 3 and type(hw.noc.mesh_width) is int and hw.crossbar.read_voltage_v == 0.25


def test_absurd_tick_is_a_clean_error(tmp_path):
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(write(tmp_path, "extends: espine_pcm\nclock_hz: 1.0e300\ntick_period_s: 1.0e300\n"))
    assert "clock cycles" in only_issue(exc).message


@pytest.mark.parametrize("section, typo", [("write_endurance", "law_typo"), ("read_disturb", "lwa")])
def test_law_tag_typo_is_reported_at_its_line(tmp_path, hwconfig_dir, section, typo):
    text = (hwconfig_dir / "rram_inference.yaml").read_text()
    law = {"write_endurance": "    law: exp_voltage", "read_disturb": "    law: jiang"}[section]
    assert law in text
    path = write(tmp_path, text.replace(law, law.replace("law", typo)))
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(path)
    by_key = {i.key: i for i in exc.value.issues}
    issue = by_key[f"device.{section}.{typo}"]
    assert issue.message == f"unknown key '{typo}'; did you mean 'law'?"
    assert issue.line == line_of(path, typo)
    assert "missing key 'law'" in by_key[f"device.{section}"].message


def _chain(tmp_path, depth, cycle=False):
    for i in range(depth):
        parent = f"c{i + 1}" if i < depth - 1 else ("c0" if cycle else "espine_pcm")
        write(tmp_path, f"extends: {parent}\n", name=f"c{i}.yaml")
    return tmp_path / "c0.yaml"


def test_extends_chain_of_20_loads(tmp_path):
    assert load_hardware(_chain(tmp_path, 20)).name == "espine_pcm"


def test_extends_cycle_names_the_files(tmp_path):
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(_chain(tmp_path, 3, cycle=True))
    msg = only_issue(exc).message
    assert msg.startswith("circular 'extends' chain") and all(f"c{i}.yaml" in msg for i in range(3))


def test_extends_chain_too_deep_has_its_own_message(tmp_path):
    with pytest.raises(HardwareConfigError) as exc:
        load_hardware(_chain(tmp_path, 70))
    msg = only_issue(exc).message
    assert "more than 64 files deep" in msg and "circular" not in msg


@pytest.mark.parametrize("overrides", [{"tile": None, "tile.crossbar_rows": 64},
                                       {"tile.crossbar_rows": 64, "tile": 5}])
def test_override_set_giving_a_section_and_a_key_inside_it_is_a_config_error(overrides):
    with pytest.raises(HardwareConfigError, match="give one or the other"):
        load_hardware("ideal", overrides=overrides)


def test_misspelt_preset_gets_a_suggestion():
    with pytest.raises(HardwareConfigError, match="did you mean 'rram_inference'"):
        load_hardware("rram_infernce")
