"""Where parses run: in this process, in a pool of processes, or on a Dask cluster."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed

from spend.store.cache import parse_to_cache
from spend.store.raw import BuildError


def run_parses(tasks: list[tuple[str, str, str, str | None]], workers: int | None, scheduler: str | None,
               progress: bool) -> None:
    """Run `parse_to_cache(*task)` for each task: in this process, in a process pool, or on a Dask cluster."""
    from tqdm import tqdm

    bar = tqdm(total=len(tasks), desc="parsing", unit="file", disable=not progress or len(tasks) < 2)
    try:
        if scheduler:
            _run_on_dask(tasks, scheduler, bar)
        elif workers == 1 or len(tasks) < 2:
            for t in tasks:
                parse_to_cache(*t)
                bar.update()
        else:
            # Big files first, so one large PDF does not start last and leave a core idle.
            tasks = sorted(tasks, key=lambda t: -os.path.getsize(t[0]))
            with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
                for f in as_completed([pool.submit(parse_to_cache, *t) for t in tasks]):
                    f.result()
                    bar.update()
    finally:
        bar.close()


def _run_on_dask(tasks, scheduler: str, bar) -> None:
    """Parse on a Dask distributed cluster. Workers must see the same data folder (a shared filesystem)."""
    from distributed import Client, as_completed as dask_completed

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as e:
        raise BuildError(scheduler, f"cannot reach the Dask scheduler: {e}") from None
    try:
        futures = [client.submit(parse_to_cache, *t, pure=False) for t in tasks]
        for f in dask_completed(futures):
            f.result()
            bar.update()
    finally:
        client.close()
