"""Where parses run: in this process, in a pool of processes, or on a Dask cluster.

Pool workers end with the build that started them, even when it is killed (SIGKILL leaves it no chance to
shut the pool down): on Linux the kernel sends them SIGKILL when it dies (prctl PR_SET_PDEATHSIG), and
everywhere each one watches that its parent is still the build. A build that stops on an error or an
interrupt stops its workers before it returns.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from spend.store.cache import parse_to_cache
from spend.store.raw import BuildError
from spend.store.stops import stop_point

PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PARENT_CHECK_SECONDS = 1.0


def run_parses(tasks: list[tuple[str, str, str, str | None]], workers: int | None, scheduler: str | None,
               progress: bool) -> dict:
    """Run `parse_to_cache(*task)` for each task: in this process, in a process pool, or on a Dask cluster.
    Returns each parsed key's names summary (spend.store.cache.summarise_names)."""
    from tqdm import tqdm

    bar = tqdm(total=len(tasks), desc="parsing", unit="file", disable=not progress or len(tasks) < 2)
    try:
        if scheduler:
            done = run_on_dask(parse, tasks, scheduler, bar=bar)
        elif workers == 1 or len(tasks) < 2:
            done = []
            for t in tasks:
                done.append(parse(*t))
                bar.update()
        else:
            # Big files first, so one large PDF does not start last and leave a core idle.
            tasks = sorted(tasks, key=lambda t: -os.path.getsize(t[0]))
            done = _run_in_pool(tasks, workers or os.cpu_count(), bar)
    finally:
        bar.close()
    return {t[1]: names for t, (_, names) in zip(tasks, done) if names is not None}


def parse(path: str, key: str, cache_dir: str, date_order: str | None) -> tuple:
    """One parse job, wherever it runs."""
    stop_point("parse")
    return parse_to_cache(path, key, cache_dir, date_order)


def _run_in_pool(tasks, workers: int, bar) -> list:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=end_with_parent, initargs=(os.getpid(),))
    try:
        futures = [pool.submit(parse, *t) for t in tasks]
        for f in as_completed(futures):
            f.result()
            bar.update()
    except BaseException:  # a parse that raised, Ctrl-C: stop the running parses too, not only the queued ones
        _stop_workers(pool)
        raise
    pool.shutdown()
    return [f.result() for f in futures]


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    # The executor has no public way to end running workers before Python 3.14 (terminate_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def end_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when `parent`, the build, ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-build", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Where there is no parent-death signal (macOS): an orphan is adopted, so its parent id changes."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(1)


def run_on_dask(fn, jobs: list[tuple], scheduler: str, desc: str = "", progress: bool = False, bar=None) -> list:
    """`fn(*job)` for each job on a Dask distributed cluster, one task each; the results in the jobs' order.
    Workers must see the same data folder (a shared filesystem)."""
    from distributed import Client, as_completed as dask_completed
    from tqdm import tqdm

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as e:
        raise BuildError(scheduler, f"cannot reach the Dask scheduler: {e}") from None
    own_bar = bar is None
    bar = bar or tqdm(total=len(jobs), desc=desc, unit="task", disable=not progress or len(jobs) < 2)
    try:
        futures = [client.submit(fn, *job, pure=False) for job in jobs]
        for f in dask_completed(futures):
            f.result()
            bar.update()
        return [f.result() for f in futures]
    finally:
        if own_bar:
            bar.close()
        client.close()
