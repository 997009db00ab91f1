"""Named points where a test can hold a build, to kill it there or let it go on. Off unless the test asks.

With SPEND_TEST_STOP_AT=<step> and SPEND_TEST_STOP_DIR=<folder> in its environment, a build process that
reaches the step (the first time it does) writes `<folder>/<step>-<pid>` and waits until the test deletes that
file (at most ten minutes). The steps:

    parse      a parse has started (in the pool worker that runs it)
    switch     the new store is written whole and not yet current
    switched   the new store is current; the old one is not yet removed, the build record not yet written
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STOP_AT = "SPEND_TEST_STOP_AT"
STOP_DIR = "SPEND_TEST_STOP_DIR"
STEPS = ("parse", "switch", "switched")
_LONGEST_WAIT = 600.0
_held: set[str] = set()  # the steps this process has stopped at


def stop_point(step: str) -> None:
    """Wait here if the test that started this process asked to (SPEND_TEST_STOP_AT == step)."""
    if os.environ.get(STOP_AT) != step or step in _held:
        return
    _held.add(step)
    marker = Path(os.environ[STOP_DIR]) / f"{step}-{os.getpid()}"
    marker.touch()
    deadline = time.monotonic() + _LONGEST_WAIT
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
