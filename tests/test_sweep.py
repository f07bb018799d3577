"""Sweeps: spec validation, resumable store, a SIGKILLed sweep resumed, and Dask equivalence."""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import textwrap

import pytest

from neurosim.sweep import ResultStore, SweepSpecError, load_spec, run_sweep

CAPACITY = "neurosim.sweep.points:capacity_point"


def write_spec(tmp_path, text, name="sweep.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def small_spec(tmp_path, traces_dir, sleep_s=0.0, name="sweep.yaml"):
    return write_spec(tmp_path, f"""
        name: small
        hwconfig: espine_pcm
        workloads: [{traces_dir / 'digits'}, {traces_dir / 'synth_layered'}]
        strategies: [sequential]
        seeds: [0, 1]
        grid:
          tile.crossbar_rows: [64, 128, 256]
          tile.crossbar_columns: [64, 128, 256]
          crossbar.wire_resistance_row_ohm: [1.0, 2.0]
        zip: [[tile.crossbar_rows, tile.crossbar_columns]]
        function: {CAPACITY}
        options:
          sleep_s: {sleep_s}
    """, name)


def db_rows(path):
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute("SELECT key, params, result FROM points"))
    finally:
        con.close()


def test_expansion_grid_zip_points(tmp_path, traces_dir):
    spec_path = small_spec(tmp_path, traces_dir)
    spec, points = load_spec(spec_path)
    assert len(points) == 3 * 2 * 2 * 2  # zip(3) x wire(2) x workloads(2) x seeds(2)
    rows = {dict(p.overrides)["tile.crossbar_rows"] for p in points}
    assert rows == {64, 128, 256}
    assert all(dict(p.overrides)["tile.crossbar_rows"] == dict(p.overrides)["tile.crossbar_columns"] for p in points)


def test_run_and_resume_computes_nothing_twice(tmp_path, traces_dir):
    spec_path = small_spec(tmp_path, traces_dir)
    db = tmp_path / "r.db"
    first = run_sweep(spec_path, db, progress=False)
    assert (first.total, first.computed, first.failed) == (24, 24, 0)
    again = run_sweep(spec_path, db, progress=False)
    assert (again.already_done, again.computed) == (24, 0)
    with ResultStore(db) as store:
        rows = list(store.rows())
    assert len(rows) == 24 and len({r["key"] for r in rows}) == 24
    by_rows = {r["params"]["overrides"]["tile.crossbar_rows"]: r["result"]["chip"]["cells"] for r in rows}
    assert by_rows[256] == 256 * 256 * 256  # 256 crossbars of 256x256


def test_pool_equals_serial(tmp_path, traces_dir):
    spec_path = small_spec(tmp_path, traces_dir)
    run_sweep(spec_path, tmp_path / "serial.db", progress=False)
    run_sweep(spec_path, tmp_path / "pool.db", workers=2, progress=False)
    assert db_rows(tmp_path / "serial.db") == db_rows(tmp_path / "pool.db")


def test_sigkilled_sweep_resumes_without_loss_or_duplicates(tmp_path, traces_dir):
    spec_path = small_spec(tmp_path, traces_dir, sleep_s=0.25)
    db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "neurosim", "sweep", str(spec_path), "--db", str(db), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline:
        if db.exists():
            try:
                stored = len(db_rows(db))
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 4:
                break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(db_rows(db))
    assert 4 <= partial < 24, "the sweep must have been killed mid-way"
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"{partial} already in" in r.stdout
    rows = db_rows(db)
    assert len(rows) == 24 and len({k for k, _, _ in rows}) == 24
    fresh = tmp_path / "fresh.db"
    run_sweep(spec_path, fresh, workers=2, progress=False)
    assert rows == db_rows(fresh)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _DaskCluster:
    """A local Dask scheduler (and optionally one worker), each in its own session."""

    def __init__(self, with_worker: bool = True):
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        self.sched = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                       "--port", str(self.port), "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env,
                                      start_new_session=True)
        self.worker = None
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        if with_worker:
            self.worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", self.address,
                                            "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env,
                                           start_new_session=True, cwd=os.path.dirname(sys.executable))

    def kill_scheduler(self):
        os.killpg(self.sched.pid, signal.SIGKILL)
        self.sched.wait()

    def close(self):
        for p in (self.worker, self.sched):
            if p is None or p.poll() is not None:
                continue
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_dask_cluster_gives_the_same_database(tmp_path, traces_dir):
    pytest.importorskip("distributed", reason="the 'dask' extra (dask[distributed]) is not installed")
    spec_path = small_spec(tmp_path, traces_dir)
    cluster = _DaskCluster()
    try:
        r = subprocess.run([sys.executable, "-m", "neurosim", "sweep", str(spec_path), "--db", str(tmp_path / "dask.db"),
                            "--scheduler", cluster.address], capture_output=True, text=True, env=cluster.env, timeout=300)
        assert r.returncode == 0, r.stderr
    finally:
        cluster.close()
    run_sweep(spec_path, tmp_path / "local.db", progress=False)
    assert db_rows(tmp_path / "dask.db") == db_rows(tmp_path / "local.db")


def test_scheduler_lost_mid_sweep_is_one_line_and_resumable(tmp_path, traces_dir):
    pytest.importorskip("distributed", reason="the 'dask' extra (dask[distributed]) is not installed")
    spec_path = write_spec(tmp_path, f"""
        name: lost
        hwconfig: ideal
        workloads: [{traces_dir / 'digits'}]
        seeds: [0, 1, 2, 3, 4, 5, 6, 7]
        function: capacity_point
        options: {{sleep_s: 1.0}}
    """)
    db = tmp_path / "lost.db"
    cluster = _DaskCluster()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "neurosim", "sweep", str(spec_path), "--db", str(db),
                                 "--scheduler", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=cluster.env, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            try:
                if db.exists() and len(db_rows(db)) >= 1:
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.1)
        cluster.kill_scheduler()
        out, err = proc.communicate(timeout=120)
    finally:
        cluster.close()
    lines = [line for line in err.splitlines() if line.strip()]
    assert proc.returncode == 2, err
    assert "Traceback" not in err and len(lines) == 1, err
    assert "lost the Dask scheduler at " + cluster.address in lines[0] and "rerun" in lines[0]
    stored = len(db_rows(db))
    assert 1 <= stored < 8
    again = run_sweep(spec_path, db, progress=False)
    assert (again.already_done, again.computed) == (stored, 8 - stored)


@pytest.mark.parametrize("reply", [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", None], ids=["http", "silent"])
def test_an_address_that_is_not_a_scheduler_is_one_line(tmp_path, traces_dir, reply):
    """An HTTP server, or one that accepts and says nothing: refused within seconds, nothing created."""
    import threading

    spec_path = small_spec(tmp_path, traces_dir)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if reply is None:
                held.append(conn)
            else:
                conn.sendall(reply)
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        start = time.time()
        r = subprocess.run([sys.executable, "-m", "neurosim", "sweep", str(spec_path), "--db", str(tmp_path / "x.db"),
                            "--scheduler", address], capture_output=True, text=True, timeout=120)
        elapsed = time.time() - start
    finally:
        server.close()
        for conn in held:
            conn.close()
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"no Dask scheduler answers at {address}" in lines[0]
    assert elapsed < 30 and not (tmp_path / "x.db").exists()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, traces_dir):
    pytest.importorskip("distributed", reason="the 'dask' extra (dask[distributed]) is not installed")
    spec_path = small_spec(tmp_path, traces_dir)
    r = subprocess.run([sys.executable, "-m", "neurosim", "sweep", str(spec_path), "--db", str(tmp_path / "x.db"),
                        "--scheduler", f"tcp://127.0.0.1:{_free_port()}"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Dask scheduler" in r.stderr and "Traceback" not in r.stderr


BAD_SPECS = [
    ("hwconfig: espine_pcm\nworkloads: [W]\n", "name", "required key is missing"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [W]\ncolour: red\n", "colour", "unknown key 'colour'"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: []\n", "workloads", "at least 1"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [W]\nseeds: [a]\n", "seeds[0]", "valid integer"),
    ("name: x\nhwconfig: no_chip\nworkloads: [W]\n", "hwconfig", "no such hardware config"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [nowhere]\n", "workloads[0]", "no such workload"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [W]\ngrid:\n  tile.crossbar_rows: []\n", "grid", "has no values"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [W]\ngrid:\n  tile.crossbar_rows: [64, -1]\n",
     "grid.tile.crossbar_rows", "greater than 0"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [W]\ngrid:\n  tile.crossbar_rowz: [64]\n",
     "grid.tile.crossbar_rowz", "did you mean 'crossbar_rows'"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [W]\ngrid:\n  tile.crossbar_rows: [64]\nzip: [[tile.crossbar_rows, a.b]]\n",
     "zip[0]", "not in grid"),
    ("name: x\nhwconfig: espine_pcm\nworkloads: [W]\nfunction: nomodule\n", "function", "module:function"),
]


@pytest.mark.parametrize("text,key,message", BAD_SPECS, ids=[b[1] for b in BAD_SPECS])
def test_bad_spec_names_line_and_key(tmp_path, traces_dir, text, key, message):
    path = write_spec(tmp_path, text.replace("[W]", f"[{traces_dir / 'digits'}]"))
    with pytest.raises(SweepSpecError) as exc:
        load_spec(path)
    issues = exc.value.issues
    match = [i for i in issues if i.key == key and message in i.message and i.file == str(path)]
    assert match, [str(i) for i in issues]
    # the line is where the offending key (or its list item) stands in the file
    top = key.split(".")[0].split("[")[0] if not key.startswith("grid.") else key[len("grid."):]
    lines = path.read_text().splitlines()
    expected = next((n for n, line in enumerate(lines, 1) if line.lstrip().startswith(f"{top}:")), 1)
    assert match[0].line == expected, (str(match[0]), expected)


def test_bad_spec_on_the_command_line(tmp_path, traces_dir):
    path = write_spec(tmp_path, f"name: x\nhwconfig: espine_pcm\nworkloads: [{traces_dir / 'digits'}]\nseeds: oops\n")
    r = subprocess.run([sys.executable, "-m", "neurosim", "sweep", str(path)], capture_output=True, text=True)
    assert r.returncode == 2 and "INVALID sweep spec" in r.stderr and f"{path}:4: seeds:" in r.stderr
    assert "Traceback" not in r.stderr
    assert not path.with_suffix(".db").exists()


def test_real_point_function_is_deterministic_across_processes(tmp_path, traces_dir):
    """map -> simulate -> evaluate points give bit-identical stored results in this process and in
    spawned workers (each with its own hash seed); wall-clock times live apart from the result."""
    spec_path = write_spec(tmp_path, f"""
        name: real
        hwconfig: rram_inference
        workloads: [{traces_dir / 'digits'}]
        strategies: [spinemap, read-aware]
        seeds: [0]
        ticks: 40
        grid:
          crossbar.read_voltage_v: [0.2, 0.3]
    """)
    run_sweep(spec_path, tmp_path / "serial.db", progress=False)
    env_before = os.environ.get("PYTHONHASHSEED")
    run_sweep(spec_path, tmp_path / "pool.db", workers=2, progress=False)
    assert os.environ.get("PYTHONHASHSEED") == env_before
    serial, pool = db_rows(tmp_path / "serial.db"), db_rows(tmp_path / "pool.db")
    assert len(serial) == 4 and serial == pool
    with ResultStore(tmp_path / "serial.db") as store:
        rows = list(store.rows())
    for row in rows:
        assert not any(k.startswith("time") or k == "_timing" for k in row["result"])
        assert row["timing"]["simulate_s"] >= 0 and row["timing"]["total_s"] >= row["timing"]["simulate_s"]
