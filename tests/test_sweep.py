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


# ---- point-function registry: a spec names only registered functions --------------------------------

def registered_test_point(params: dict) -> dict:
    """A user's point function (registered by the tests below)."""
    return {"seed_times_two": 2 * params["seed"], "strategy": params["strategy"]}


def _cap_spec(tmp_path, traces_dir, function, extra=""):
    return write_spec(tmp_path, f"name: f\nhwconfig: ideal\nworkloads: [{traces_dir / 'digits'}]\n"
                                f"seeds: [0, 1]\nfunction: '{function}'\n{extra}")


def test_shipped_short_and_dotted_names_give_the_same_points(tmp_path, traces_dir):
    short = load_spec(_cap_spec(tmp_path, traces_dir, "capacity_point", ""))[1]
    dotted = load_spec(_cap_spec(tmp_path, traces_dir, CAPACITY, ""))[1]
    assert short == dotted and {p.function for p in short} == {CAPACITY}


@pytest.mark.parametrize("function", ["os:system", "sys:exit", "evil_sweep_fn:run", f"{__name__}:registered_test_point"])
def test_unregistered_functions_are_refused_unless_code_is_allowed(tmp_path, traces_dir, function):
    path = _cap_spec(tmp_path, traces_dir, function)
    with pytest.raises(SweepSpecError) as exc:
        load_spec(path)
    (issue,) = exc.value.issues
    assert issue.key == "function" and issue.line == 5 and "--allow-code" in issue.message
    spec, points = load_spec(path, allow_code=True)
    assert {p.function for p in points} == {function}


def test_register_point_function_runs_in_workers(tmp_path, traces_dir):
    from neurosim.sweep import register_point_function, unregister_point_function

    dotted = register_point_function("double_seed", registered_test_point)
    try:
        assert dotted == f"{__name__}:registered_test_point"
        path = _cap_spec(tmp_path, traces_dir, "double_seed")
        summary = run_sweep(path, tmp_path / "r.db", workers=2, progress=False)
        assert (summary.computed, summary.failed) == (2, 0)
        with ResultStore(tmp_path / "r.db") as store:
            results = sorted(r["result"]["seed_times_two"] for r in store.rows())
        assert results == [0, 2]
    finally:
        unregister_point_function("double_seed")
    with pytest.raises(SweepSpecError):
        load_spec(path)


def test_register_point_function_refuses_what_workers_cannot_import():
    from neurosim.sweep import register_point_function
    from neurosim.sweep.functions import PointFunctionError

    with pytest.raises(PointFunctionError, match="top level"):
        register_point_function("lam", lambda p: p)
    with pytest.raises(PointFunctionError, match="taken by a shipped"):
        register_point_function("run_point", registered_test_point)
    with pytest.raises(PointFunctionError, match="dotted path"):
        register_point_function("bad", "os.system('x')")


def test_entry_point_registers_a_point_function(tmp_path, traces_dir, monkeypatch):
    dist = tmp_path / "site" / "userpoints-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: userpoints\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[neurosim.point_functions]\n"
                                           f"double_seed_ep = {__name__}:registered_test_point\n"
                                           "broken = not a path\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    from neurosim.sweep import registered_point_functions

    names = registered_point_functions()
    assert names["double_seed_ep"] == f"{__name__}:registered_test_point" and "broken" not in names
    spec, points = load_spec(_cap_spec(tmp_path, traces_dir, "double_seed_ep"))
    assert points[0].function == f"{__name__}:registered_test_point"


def test_worker_imports_only_well_formed_paths():
    from neurosim.sweep.functions import PointFunctionError
    from neurosim.sweep.runner import run_point

    with pytest.raises(PointFunctionError):
        run_point({"function": "__import__('os').system('true')"})


# ---- counting and full checking before anything is expanded ---------------------------------------

def test_points_are_counted_arithmetically(tmp_path, traces_dir):
    from neurosim.sweep import count_points
    from neurosim.sweep.spec import SweepSpec

    spec = SweepSpec.model_validate({
        "name": "n", "hwconfig": "ideal", "workloads": ["a", "b"], "strategies": ["sequential", "espine"],
        "seeds": [0, 1, 2], "grid": {"a.x": list(range(1000)), "a.y": list(range(1000)), "a.z": list(range(1000)),
                                     "b.w": [1, 2]},
        "zip": [["a.x", "a.y"]], "points": [{}, {}]})
    assert count_points(spec) == (1000 * 1000 * 2 + 2) * 2 * 2 * 3


def test_too_many_points_refused_before_expansion(tmp_path, traces_dir, monkeypatch):
    from neurosim.errors import ResourceLimitError

    path = write_spec(tmp_path, f"""
        name: big
        hwconfig: ideal
        workloads: [{traces_dir / 'digits'}]
        seeds: [0, 1, 2]
        grid:
          tile.crossbar_rows: [64, 128]
    """)
    assert len(load_spec(path)[1]) == 6
    with pytest.raises(ResourceLimitError, match="6 points.*limit of 5.*--max-points"):
        load_spec(path, max_points=5)
    monkeypatch.setenv("NEUROSIM_MAX_SWEEP_POINTS", "4")
    with pytest.raises(ResourceLimitError, match=r":5: grid:.*limit of 4.*NEUROSIM_MAX_SWEEP_POINTS"):
        load_spec(path)
    assert len(load_spec(path, max_points=6)[1]) == 6


MORE_BAD_SPECS = [
    ("strategies: [sequential, bogus]\n", "strategies[1]", "unknown mapping strategy 'bogus'"),
    ("strategies: [sequential]\nbaseline: espine\n", "baseline", "not one of the strategies"),
    ("seeds: [true]\n", "seeds[0]", "valid integer"),
    ("seeds: [-1]\n", "seeds[0]", "from 0 to 4294967295"),
    ("seeds: [4294967296]\n", "seeds[0]", "from 0 to 4294967295"),
    ("seeds: [0, 0]\n", "seeds[1]", "listed twice"),
    ("ticks: 1.5\n", "ticks", "valid integer"),
    ("workloads: ['']\n", "workloads[0]", "is empty"),
    ("grid:\n  tile.crossbar_rows: [{a: 1}]\n", "grid.tile.crossbar_rows", "valid integer"),
    ("grid:\n  tile.crossbar_rows: [2024-01-01]\n", "grid.tile.crossbar_rows[0]", "plain data"),
    ("grid:\n  tile.crossbar_rows: [64]\nzip: [[]]\n", "zip[0]", "empty zip group"),
    ("options: {sleep_s: .nan}\n", "options.sleep_s", "seconds from 0"),
    ("options: {shell: 'rm -rf /'}\n", "options.shell", "unknown option 'shell' of capacity_point"),
]


@pytest.mark.parametrize("extra,key,message", MORE_BAD_SPECS, ids=[b[1] + "-" + b[2][:12] for b in MORE_BAD_SPECS])
def test_every_key_is_checked_at_its_line(tmp_path, traces_dir, extra, key, message):
    base = f"name: x\nhwconfig: ideal\nworkloads: [{traces_dir / 'digits'}]\nfunction: capacity_point\n"
    if extra.startswith("workloads:"):
        base = base.replace(f"workloads: [{traces_dir / 'digits'}]\n", "")
    path = write_spec(tmp_path, base + extra)
    with pytest.raises(SweepSpecError) as exc:
        load_spec(path)
    match = [i for i in exc.value.issues if i.key == key and message in i.message]
    assert match, [str(i) for i in exc.value.issues]
    top = key.split(".")[0].split("[")[0]
    lines = path.read_text().splitlines()
    assert match[0].line >= next(n for n, line in enumerate(lines, 1) if line.startswith(f"{top}:"))


# ---- the result store: checked before it is opened, created atomically -----------------------------

def test_store_created_atomically_and_marked(tmp_path):
    from neurosim.sweep.store import FORMAT_MARKER, SCHEMA_VERSION

    with ResultStore(tmp_path / "new.db") as store:
        assert store.meta("format") == FORMAT_MARKER and store.meta("schema_version") == str(SCHEMA_VERSION)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db"]


def test_existing_store_without_marker_is_accepted(tmp_path):
    """Stores written before the format marker existed (same schema) still open, and get the marker."""
    path = tmp_path / "old.db"
    with ResultStore(path) as store:
        store.put("k", "s", {"a": 1}, {"b": 2}, 0.5)
    con = sqlite3.connect(path)
    con.execute("DELETE FROM meta WHERE name = 'format'")
    con.commit()
    con.close()
    with ResultStore(path, readonly=True) as store:
        assert store.meta("format") is None and store.count() == 1
    with ResultStore(path) as store:
        assert store.meta("format") == "neurosim-result-store" and store.done_keys() == {"k"}


@pytest.mark.parametrize("content", [b"", b"plain text\n" * 10, b"SQLite format 3\x00" + b"\x00" * 50])
def test_foreign_files_are_refused_byte_identical(tmp_path, content):
    from neurosim.sweep import StoreError

    path = tmp_path / "x.db"
    path.write_bytes(content)
    for readonly in (False, True):
        with pytest.raises(StoreError, match=str(path)):
            ResultStore(path, readonly=readonly)
    assert path.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]


def test_report_reads_without_writing(tmp_path):
    """A read-only open of a store (what `neurosim report` does) creates no -wal or -shm file."""
    path = tmp_path / "r.db"
    with ResultStore(path) as store:
        store.put("k", "s", {}, {}, 0.1)
    before = path.read_bytes()
    with ResultStore(path, readonly=True) as store:
        assert store.count() == 1
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["r.db"]
