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
    # Big files first, so one large PDF does not start last and leave a core idle.
    tasks = sorted(tasks, key=lambda t: -os.path.getsize(t[0]))
    done = run_tasks(parse, tasks, workers, scheduler, "parsing", "file", progress)
    return {t[1]: names for t, (_, names) in zip(tasks, done) if names is not None}


def parse(path: str, key: str, cache_dir: str, date_order: str | None) -> tuple:
    """One parse job, wherever it runs."""
    stop_point("parse")
    return parse_to_cache(path, key, cache_dir, date_order)


def run_tasks(fn, jobs: list[tuple], workers: int | None, scheduler: str | None, desc: str, unit: str,
              progress: bool, shared=None) -> list:
    """`fn(*job)` for each job (`fn(*job, shared)` when `shared` is given: something every job reads, sent
    to each worker once), in this process, in a pool of `workers` processes, or on a Dask cluster; the
    results in the jobs' order."""
    from tqdm import tqdm

    extra = () if shared is None else (shared,)
    bar = tqdm(total=len(jobs), desc=desc, unit=unit, disable=not progress or len(jobs) < 2)
    try:
        if scheduler:
            return run_on_dask(fn, jobs, scheduler, bar=bar, shared=shared)
        if workers == 1 or len(jobs) < 2:
            done = []
            for job in jobs:
                done.append(fn(*job, *extra))
                bar.update()
            return done
        return _run_in_pool(fn, jobs, workers or os.cpu_count(), bar, extra)
    finally:
        bar.close()


_SHARED: tuple = ()  # what run_tasks sends each pool worker once


def _with_shared(fn, job: tuple):
    return fn(*job, *_SHARED)


def _start_worker(parent: int, shared: tuple) -> None:
    global _SHARED
    end_with_parent(parent)
    _SHARED = shared


def _run_in_pool(fn, jobs, workers: int, bar, shared: tuple) -> list:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(), shared))
    try:
        futures = [pool.submit(_with_shared, fn, job) for job in jobs]
        for f in as_completed(futures):
            f.result()
            bar.update()
    except BaseException:  # a task that raised, Ctrl-C: stop the running tasks too, not only the queued ones
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


def run_on_dask(fn, jobs: list[tuple], scheduler: str, bar=None, shared=None) -> list:
    """`fn(*job)` (or `fn(*job, shared)`) for each job on a Dask distributed cluster, one task each; the
    results in the jobs' order. `shared` is sent to every worker once. Workers must see the same data folder
    (a shared filesystem)."""
    from distributed import Client, as_completed as dask_completed

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as e:
        raise BuildError(scheduler, f"cannot reach the Dask scheduler: {e}") from None
    try:
        extra = () if shared is None else (client.scatter(shared, broadcast=True),)
        futures = [client.submit(fn, *job, *extra, pure=False) for job in jobs]
        for f in dask_completed(futures):
            f.result()
            if bar is not None:
                bar.update()
        return [f.result() for f in futures]
    finally:
        client.close()
