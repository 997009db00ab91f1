"""Benchmark: peak memory of `spend fetch` against hostile publisher sites, with the default limits.

A web server on 127.0.0.1 plays publishers whose sites attack the fetcher (nothing leaves the machine):

  plain            a landing page linking one small CSV file: the floor (Python and the imports)
  endless page     a landing page that never ends (HTML rows as fast as the client reads them)
  gzip-bomb page   a landing page of 4 GiB of HTML, gzip-compressed to about 4 MB on the wire
                   (Content-Encoding: gzip)
  dripped page     a landing page sent one byte a second, for ever
  dripped file     a CSV file sent one byte a second, for ever
  endless file     a CSV file that never ends, as fast as the client reads it
  gzip-bomb file   a CSV file of 4 GiB, gzip-compressed as above

Each case runs `spend fetch --publisher ...` in a fresh Python process, so its peak resident memory
(ru_maxrss, from wait4) is its own. With the default limits (`spend.sources.limits`: pages 20 MiB and
60 s, files 200 MiB and ten minutes) a page over its size is dropped in memory, a file over its size is
dropped from `.partial/` on disk, and a dripped answer is cut at its deadline: every case must end,
fail with the limit named, and stay under 1 GiB. The dripped file waits out the whole ten-minute
deadline; `--deadline-scale 0.05` shortens the deadlines (not the sizes) for a quick look.

A script, not a timed test: it prints the figures, and exits 1 if a case goes over 1 GiB or does
not fail as it should.

    .venv/bin/python benchmarks/bench_hostile_fetch.py [--bomb-gib 4] [--deadline-scale 1]
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable

TARGET_BYTES = 1024**3
MiB = 1024 * 1024

# The child: `spend fetch` as the command runs it, optionally with shorter deadlines.
_CHILD = r"""
import dataclasses, sys
from spend.sources import limits
scale = float(sys.argv[1])
if scale != 1:
    limits.PAGE = dataclasses.replace(limits.PAGE, deadline=limits.PAGE.deadline * scale)
    limits.FILE = dataclasses.replace(limits.FILE, deadline=limits.FILE.deadline * scale)
from spend.cli import main
sys.exit(main(sys.argv[2:]))
"""

CSV = b"Date,Supplier,Amount\n" + b"".join(b"%02d/04/2020,Supplier %d Ltd,%d.00\n" % (1 + n % 28, n, 25000 + n) for n in range(200))
ROW = b"<tr><td>Payments over 25k</td><td>April 2020</td></tr>\n" * 1024  # about 50 KB
LANDING = "<html><body><h1>Spend over 25k</h1><a href='/{slug}/files/april-2020.csv'>April 2020 (CSV)</a></body></html>"

# One publisher per case: its slug says what is hostile, the page or the file it links (the others are plain).
CASES = {
    "plain": "a landing page and one 7 KB CSV file",
    "endless-page": "a landing page that never ends",
    "bomb-page": "a gzip-bomb landing page",
    "drip-page": "a landing page at 1 byte/s",
    "drip-file": "a file at 1 byte/s",
    "endless-file": "a file that never ends",
    "bomb-file": "a gzip-bomb file",
}


def gzip_bomb(decoded_bytes: int) -> bytes:
    """`decoded_bytes` of HTML (spaces, mostly), gzip-compressed: about a thousandth of it."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    spaces = b" " * MiB
    parts = [packer.compress(b"<html><body><p>Spend over 25k</p>")]
    parts += [packer.compress(spaces) for _ in range(decoded_bytes // MiB)]
    return b"".join(parts) + packer.flush()


class HostileSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, bomb: bytes):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bomb = bomb
        self.sent: dict[str, int] = {}
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        pass  # a client hanging up is what these pages are for

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileSite

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        slug, _, rest = self.path.strip("/").partition("/")
        if slug not in CASES or rest not in ("spend", "files/april-2020.csv"):
            return self._whole(404, b"not found", "text/plain")
        is_file = rest.startswith("files/")
        content_type = "text/csv" if is_file else "text/html"
        hostile = slug.split("-")[0] if slug.endswith("-file" if is_file else "-page") else None
        if hostile is None:
            return self._whole(200, CSV if is_file else LANDING.format(slug=slug).encode(), content_type)
        if hostile == "bomb":
            return self._whole(200, self.server.bomb, content_type, gzip=True)
        if hostile == "endless":
            return self._stream(itertools.repeat(CSV[21:] * 8 if is_file else ROW), content_type, 0.0)
        first, more = (CSV, CSV[21:]) if is_file else (b"<html><body><h1>Spend over 25k</h1>", b"<p>.</p>\n")
        return self._stream(itertools.chain(first, itertools.cycle(more)), content_type, 1.0)  # bytes, one at a time

    def _whole(self, status: int, body: bytes, content_type: str, *, gzip: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if gzip:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if self.command == "GET":
            self._write(body[i : i + 64 * 1024] for i in range(0, len(body), 64 * 1024))

    def _stream(self, chunks: Iterable[bytes | int], content_type: str, interval: float) -> None:
        """No Content-Length: the body ends only when the client hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if self.command == "GET":
            self._write((bytes([c]) if isinstance(c, int) else c for c in chunks), interval)

    def _write(self, chunks: Iterable[bytes], interval: float = 0.0) -> None:
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                self.wfile.flush()
                with self.server.lock:
                    self.server.sent[self.path] = self.server.sent.get(self.path, 0) + len(chunk)
                if interval:
                    time.sleep(interval)
        except OSError:
            self.close_connection = True  # the client hung up


def size(n: float) -> str:
    return f"{n:,.0f} bytes" if n < 10 * 1024 else f"{n / 1024:,.0f} KiB" if n < 10 * MiB else f"{n / MiB:,.1f} MiB"


def registry(base_url: str) -> str:
    return "".join(
        f"- slug: {slug}\n  name: {slug.replace('-', ' ').title()} Trust\n  kind: trust\n"
        f"  landing_pages: [\"{base_url}/{slug}/spend\"]\n  corpus: []\n  notes: {what}\n"
        for slug, what in CASES.items()
    )


def fetch(slug: str, registry_path: Path, raw: Path, scale: float) -> dict:
    """Run `spend fetch` for one publisher in a child process; its exit code, output, time and peak memory."""
    out_path = raw.parent / f"{slug}.out"
    env = dict(os.environ, SPEND_HTTP_WAIT_SCALE="0", NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    argv = ["fetch", "--publisher", slug, "--registry", str(registry_path), "--raw-dir", str(raw)]
    started = time.monotonic()
    with open(out_path, "wb") as out:
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(scale), *argv], stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": child.returncode,
        "seconds": time.monotonic() - started,
        "peak": usage.ru_maxrss * 1024,  # KiB on Linux
        "output": out_path.read_text(encoding="utf-8", errors="replace").strip().splitlines(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bomb-gib", type=float, default=4.0, help="decoded size of the gzip bombs")
    parser.add_argument("--deadline-scale", type=float, default=1.0, help="factor on the default deadlines (not the sizes)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    bomb = gzip_bomb(int(args.bomb_gib * 1024**3))
    print(f"gzip bomb: {args.bomb_gib:g} GiB decoded, {len(bomb):,} bytes on the wire (made in {time.monotonic() - started:.0f} s)")
    from spend.sources import limits

    print(f"limits: pages {limits.PAGE.max_bytes // MiB} MiB and {limits.PAGE.deadline * args.deadline_scale:g} s, "
          f"files {limits.FILE.max_bytes // MiB} MiB and {limits.FILE.deadline * args.deadline_scale:g} s")

    ok = True
    with HostileSite(bomb) as site, tempfile.TemporaryDirectory() as tmp:
        threading.Thread(target=site.serve_forever, daemon=True).start()
        registry_path = Path(tmp) / "publishers.yaml"
        registry_path.write_text(registry(site.base_url), encoding="utf-8")
        print(f"{'input':<36} {'exit':>4} {'seconds':>8} {'sent by the server':>19} {'peak memory':>12}  outcome")
        for slug, what in CASES.items():
            raw = Path(tmp) / slug / "raw"
            raw.parent.mkdir()
            result = fetch(slug, registry_path, raw, args.deadline_scale)
            # what went out of the hostile page or file (the plain case: its file), socket buffers included
            sent = site.sent.get(f"/{slug}/spend" if slug.endswith("-page") else f"/{slug}/files/april-2020.csv", 0)
            errors = [line.removeprefix("error: ") for line in result["output"] if line.startswith("error: ")]
            outcome = errors[0].split(": ", 1)[-1] if errors else result["output"][-1]
            stored = [p for p in raw.rglob("*") if p.is_file() and ".partial" not in p.parts]
            expected_exit = 0 if slug == "plain" else 1
            good = result["exit"] == expected_exit and result["peak"] < TARGET_BYTES and (slug == "plain") == bool(stored)
            ok = ok and good
            print(f"{what:<36} {result['exit']:>4} {result['seconds']:>8.1f} {size(sent):>19} "
                  f"{result['peak'] / MiB:>8,.0f} MiB  {outcome}{'' if good else '  <- NOT AS EXPECTED'}")
        site.shutdown()
    print(f"every case ended, failed as it should and stayed under {TARGET_BYTES // 1024**3} GiB" if ok
          else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
