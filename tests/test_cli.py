"""The ``neurosim`` command, run as a user runs it (a subprocess), on good and broken inputs."""
import json
import subprocess
import sys

import pytest


def neurosim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neurosim", *args], capture_output=True, text=True, cwd=cwd)


def test_validate_every_shipped_config(hwconfig_dir):
    files = sorted(str(p) for p in hwconfig_dir.glob("*.yaml"))
    assert len(files) >= 4
    r = neurosim("validate", *files)
    assert r.returncode == 0, r.stderr
    for f in files:
        assert f"{f}: OK" in r.stdout
    assert "neuron_capacity" in r.stdout and "synapse_capacity" in r.stdout


def test_validate_json_summary():
    r = neurosim("validate", "--json", "espine_pcm")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)["espine_pcm"]
    assert s["crossbar"] == "128x128" and s["cells"] == s["crossbars"] * 128 * 128


def test_validate_broken_config_points_at_line_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: espine_pcm\nnoc:\n  mesh_width: 0\ndevice:\n  write_endurance:\n    law: magic\n")
    r = neurosim("validate", str(bad), "ideal")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert f"{bad}:3: noc.mesh_width:" in r.stderr
    assert f"{bad}:6: device.write_endurance.law: unknown law 'magic'" in r.stderr
    assert "ideal: OK" in r.stdout


def test_validate_missing_file():
    r = neurosim("validate", "nowhere.yaml")
    assert r.returncode == 2 and "no such config file" in r.stderr and "Traceback" not in r.stderr


def test_schema_export_refuses_to_overwrite(tmp_path):
    out = tmp_path / "s.json"
    r = neurosim("schema", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["title"] == "neurosim hardware config"
    before = out.read_text()
    out.write_text("mine")
    r = neurosim("schema", "--out", str(out))
    assert r.returncode == 2 and "refusing to overwrite" in r.stderr
    assert out.read_text() == "mine" and before != "mine"


def test_bad_cli_usage():
    r = neurosim("validate")
    assert r.returncode == 2 and "Missing argument" in r.stderr
    r = neurosim("no-such-command")
    assert r.returncode == 2 and "No such command" in r.stderr


def test_quickstart_main_job(traces_dir):
    r = neurosim("quickstart")
    assert r.returncode == 0, r.stderr
    for chip in ("espine_pcm", "rram_inference", "ideal", "loihi_like"):
        assert f"- {chip}: OK" in r.stdout
    shipped = sorted(p.parent.name for p in traces_dir.glob("*/manifest.yaml"))
    assert len(shipped) >= 8
    for name in shipped:
        assert f"- {name}\n" in r.stdout


def test_info_on_a_corrupt_trace(tmp_path, traces_dir):
    import shutil

    broken = tmp_path / "digits"
    shutil.copytree(traces_dir / "digits", broken)
    (broken / "arrays.npz").write_bytes(b"not a zip file")
    r = neurosim("info", str(broken), str(traces_dir / "digits"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "arrays.npz" in r.stderr and "INVALID" in r.stderr
    assert "digits" in r.stdout and "synapses" in r.stdout
