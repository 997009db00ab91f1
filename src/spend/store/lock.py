"""One build per data folder at a time.

The lock is the operating system's advisory lock (flock) on `data/clean/_build/build.lock`: held while the
file is open, and released by the kernel when the holder ends, however it ends, so a lock left by a killed
build never blocks the next one. A second build is refused at once, never made to wait. The file names its
holder (process id, host, when it started), for the message; the file itself stays, it is only the lock.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from spend.store.raw import BuildError

LOCK_FILE = "build.lock"


class BuildLocked(BuildError):
    """Another `spend build` is running on the same data folder."""


def lock_path(data_dir: Path) -> Path:
    return Path(data_dir) / "clean" / "_build" / LOCK_FILE


@contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data folder's build lock for the `with` block; `BuildLocked` at once if another build has it."""
    path = lock_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise BuildLocked(data_dir, _refusal(path)) from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _refusal(path: Path) -> str:
    """What the second build is told: who holds the lock (as far as its file says) and what to do."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        pid, host, started = holder["pid"], holder["host"], holder["started"]
    except (OSError, ValueError, KeyError, TypeError):  # the holder is still writing its name
        return ("another spend build is running on this data folder; wait for it to finish, then run spend "
                "build again")
    where = "" if host == socket.gethostname() else f" on {host}"
    return (f"another spend build is running on this data folder (pid {pid}{where}, started {started}); wait "
            f"for it to finish, or stop it (kill {pid}) and run spend build again")
