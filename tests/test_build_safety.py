"""A build is exclusive and atomic: real `spend build` processes, run side by side, killed with real signals.

Builds are held at a named step (spend.store.stops: SPEND_TEST_STOP_AT) so that a test can kill them there,
or let them go on; everything else is the build as users run it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spend.analysis.coverage import store_status
from spend.cli import main
from spend.core.errors import PaymentsInputError
from spend.store import layout
from spend.store.build import build_store
from spend.store.lock import BuildLocked, build_lock
from spend.store.read import load_files, load_notice_tables, load_payments
from spend.store.stops import STOP_AT, STOP_DIR
from spend.store.views import VIEWS, query

PUBLISHER = "kingston-hospital"
KINGSTON = "nhs-london-2020-21/KGST/*.csv"
RUN_SPEND = "import sys; from spend.cli import main; sys.exit(main(sys.argv[1:]))"
WAIT = 60.0  # seconds a test waits for a build to reach a step or to end; far more than either takes


def _add(data: Path, realdata: Path, first: int, last: int) -> None:
    """File Kingston Hospital's monthly CSVs number `first` to `last` (counting from 0) as fetched files."""
    folder = data / "raw" / "spend" / PUBLISHER
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(realdata.glob(KINGSTON))[first:last]:
        shutil.copyfile(path, folder / path.name)


def _start(data: Path, *args: str, stop_at: str | None = None, stops: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    if stop_at:
        env.update({STOP_AT: stop_at, STOP_DIR: str(stops)})
    return subprocess.Popen([sys.executable, "-c", RUN_SPEND, "build", "--data", str(data), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _held(stops: Path, step: str, n: int = 1) -> list[int]:
    """The processes held at `step` (their ids), once `n` of them are."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        pids = [int(p.name.rsplit("-", 1)[1]) for p in stops.glob(f"{step}-*")]
        if len(pids) >= n:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"no build reached {step!r} within {WAIT} s")


def _alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie, dead but not yet reaped, is not)."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    """The processes of `pids` still running after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _kill(process: subprocess.Popen, workers: list[int] | tuple[int, ...] = ()) -> None:
    """End a build the test started, and its workers if they outlived it (they hold its output open)."""
    for pid in workers:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=WAIT)


def _store_as_readers_see_it(data: Path) -> tuple[int, int]:
    """(payment rows, files) as every reader sees the store, after checking that they all see the same one
    and that it is one build's: the payments are exactly the lines the files table says were kept."""
    payments, files = load_payments(data), load_files(data)
    assert len(payments) == files["rows_kept"].sum()
    assert set(payments["source_file"]) <= set(files["source_file"])
    counted = query(data, "select (select count(*) from payments) as n, (select count(*) from files) as f")
    assert (counted["n"][0], counted["f"][0]) == (len(payments), len(files))
    status = store_status(data).publishers.set_index("publisher_id")
    assert (status.loc[PUBLISHER, "files"], status.loc[PUBLISHER, "payments"]) == (len(files), len(payments))
    return len(payments), len(files)


def _leftovers(data: Path) -> list[str]:
    """What is under data/clean besides the build's own folder, the current store and its link."""
    clean = data / "clean"
    live = layout.store_dir(data)
    return sorted(p.name for p in clean.iterdir() if p.name not in ("_build", "current") and p.resolve() != live)


def _tidied(data: Path) -> list[str]:
    """The leftovers once the store a build replaced is gone: it is set aside at once (`.old-store-...`) and
    removed in the background (spend.store.layout.retire_others)."""
    deadline = time.monotonic() + WAIT
    while (left := _leftovers(data)) and all(name.startswith(".old-store-") for name in left):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return left


# --- one build at a time --------------------------------------------------------------------------------


@pytest.mark.slow  # builds in subprocesses
def test_a_second_build_on_the_same_data_folder_is_refused_at_once_and_the_first_completes(tmp_path, realdata):
    data, stops = tmp_path / "data", tmp_path / "stops"
    stops.mkdir()
    _add(data, realdata, 0, 3)
    first = _start(data, "--workers", "1", stop_at="parse", stops=stops)
    try:
        _held(stops, "parse")
        started = time.monotonic()
        second = _start(data, "--workers", "1")
        out, err = second.communicate(timeout=WAIT)
        assert second.returncode == 1 and time.monotonic() - started < 20
        assert err.startswith(f"error: {data}: another spend build is running on this data folder "
                              f"(pid {first.pid}, started 20"), err
        assert "wait for it to finish, or stop it (kill" in err and out == ""
        for marker in stops.iterdir():  # let the first build go on
            marker.unlink()
        out, err = first.communicate(timeout=WAIT)
        assert first.returncode == 0, err
        assert "3 raw files (3 parsed now, 0 unchanged), 0 failed" in out
    finally:
        _kill(first)
    assert _store_as_readers_see_it(data)[1] == 3


def test_the_lock_is_held_for_the_data_folder_alone(tmp_path, realdata):
    data, other = tmp_path / "data", tmp_path / "other"
    _add(data, realdata, 0, 1)
    _add(other, realdata, 0, 1)
    with build_lock(data):
        with pytest.raises(BuildLocked, match=rf"another spend build is running on this data folder \(pid "
                                              rf"{os.getpid()}, started "):
            build_store(data, workers=1)
        assert build_store(other, workers=1).assembled  # another data folder builds meanwhile
    assert build_store(data, workers=1).assembled  # and once the lock is released, this one does


# --- a killed or interrupted build leaves no process behind -----------------------------------------------


@pytest.mark.slow  # builds in subprocesses
def test_killing_a_build_mid_parse_leaves_no_worker_running(tmp_path, realdata):
    data, stops = tmp_path / "data", tmp_path / "stops"
    stops.mkdir()
    _add(data, realdata, 0, 4)
    build = _start(data, "--workers", "2", stop_at="parse", stops=stops)
    workers: list[int] = []
    try:
        workers = _held(stops, "parse", n=2)
        assert build.pid not in workers and all(_parent_of(w) == build.pid for w in workers)
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=WAIT)
        assert _gone_within(workers, 5.0) == []
    finally:
        _kill(build, workers)
    # The lock went with the build: the next one runs, and parses what the killed one did not finish.
    assert main(["build", "--data", str(data), "--workers", "2"]) == 0
    assert _store_as_readers_see_it(data)[1] == 4


@pytest.mark.slow  # builds in subprocesses
def test_an_interrupted_build_stops_its_workers_and_exits(tmp_path, realdata):
    data, stops = tmp_path / "data", tmp_path / "stops"
    stops.mkdir()
    _add(data, realdata, 0, 4)
    build = _start(data, "--workers", "2", stop_at="parse", stops=stops)
    workers: list[int] = []
    try:
        workers = _held(stops, "parse", n=2)
        os.kill(build.pid, signal.SIGINT)  # Ctrl-C, sent to the build alone (a terminal sends it to all)
        out, err = build.communicate(timeout=20)
        assert build.returncode == 130 and "interrupted" in err
        assert _gone_within(workers, 5.0) == []
    finally:
        _kill(build, workers)


# --- the new store replaces the old one in one step ---------------------------------------------------------


@pytest.mark.slow  # builds in subprocesses
@pytest.mark.parametrize("step, seen", [
    ("switch", "old"),  # the new store written whole, not yet current
    ("switched", "new"),  # the new store current, the old one not yet removed, the build not yet recorded
])
def test_a_build_killed_at_the_switch_leaves_one_whole_store_and_the_next_build_tidies_up(
        tmp_path, realdata, step, seen):
    data, stops = tmp_path / "data", tmp_path / "stops"
    stops.mkdir()
    _add(data, realdata, 0, 3)
    assert main(["build", "--data", str(data), "--workers", "1"]) == 0
    old = _store_as_readers_see_it(data)
    # What an earlier build, stopped mid-swap, left behind (the names it gave them).
    (data / "clean" / ".staging-k2j3h4").mkdir()
    (data / "clean" / ".old-payments-4242").mkdir()
    (data / ".spend.duckdb.4242.tmp").write_bytes(b"")

    _add(data, realdata, 3, 5)
    build = _start(data, "--workers", "1", stop_at=step, stops=stops)
    try:
        _held(stops, step)
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=WAIT)
    finally:
        _kill(build)
    now = _store_as_readers_see_it(data)
    assert now[1] == {"old": 3, "new": 5}[seen]
    if seen == "old":
        assert now == old
    assert any(name.startswith("store-") for name in _leftovers(data))  # the store that is not current

    assert main(["build", "--data", str(data), "--workers", "1"]) == 0
    new = _store_as_readers_see_it(data)
    assert new[1] == 5 and new[0] > old[0]
    assert _tidied(data) == [] and not list(data.glob(".spend.duckdb.*"))
    assert (data / "spend.duckdb").resolve() == layout.store_dir(data) / "spend.duckdb"


# --- the data folder can be moved or copied --------------------------------------------------------------


def _every_view(data: Path) -> dict[str, int]:
    return {v.name: int(query(data, f"select count(*) as n from {v.name}")["n"][0]) for v in VIEWS}


@pytest.mark.slow  # three builds
def test_a_moved_or_copied_data_folder_keeps_every_view_and_builds_there(tmp_path, realdata, capsys):
    data = tmp_path / "data"
    _add(data, realdata, 0, 3)
    notices = data / "raw" / "contracts-finder"
    notices.mkdir(parents=True)
    for path in sorted((realdata / "contracts-finder").rglob("*.json"))[:3]:
        shutil.copyfile(path, notices / path.name)
    assert main(["build", "--data", str(data), "--workers", "1"]) == 0
    counts = _every_view(data)
    assert counts["payments"] > 0 and counts["files"] == 3 and counts["notices"] > 0

    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(data, moved)
    assert _every_view(moved) == counts
    assert load_notice_tables(moved) is not None and len(load_payments(moved)) == counts["payments"]
    capsys.readouterr()
    assert main(["build", "--data", str(moved)]) == 0
    assert "nothing changed" in capsys.readouterr().out  # true: every view still reads the moved store
    assert _every_view(moved) == counts

    # A copy made without its links (cp -r, shutil.copytree's default) reads its own files, not the original's.
    copy = tmp_path / "copy"
    shutil.copytree(moved, copy)
    shutil.rmtree(moved)
    assert _every_view(copy) == counts
    assert main(["build", "--data", str(copy), "--workers", "1"]) == 0  # and puts its links back
    assert (copy / "clean" / "current").is_symlink() and _tidied(copy) == []
    _add(copy, realdata, 3, 4)
    assert main(["build", "--data", str(copy), "--workers", "1"]) == 0
    after = _every_view(copy)
    assert after["files"] == 4 and after["payments"] > counts["payments"]


def test_a_data_folder_without_a_store_says_so_to_every_reader(tmp_path):
    with pytest.raises(PaymentsInputError, match="no payments store here; run `spend build` first"):
        load_payments(tmp_path)
    assert load_files(tmp_path) is None and load_notice_tables(tmp_path) is None
    with pytest.raises(PaymentsInputError, match="no store here; run `spend build` first"):
        query(tmp_path, "select 1")
