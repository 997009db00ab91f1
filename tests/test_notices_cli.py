"""`spend notices fetch` and `spend notices build`, through argparse, against the local server."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil

import pyarrow.parquet as pq
import pytest

from localserver import FakeServices, contracts_finder_dir, load_records, load_recorded, loopback_only  # noqa: F401
from spend.cli import main as spend_main
from spend.core.errors import SpendError
from spend.cli import notices as cli


@pytest.fixture(autouse=True)
def no_real_waiting(monkeypatch):
    monkeypatch.setenv("SPEND_HTTP_WAIT_SCALE", "0")


@pytest.fixture(scope="module")
def recorded():
    return load_recorded("ocds-1.1-award-2019-20")


@pytest.fixture
def server(recorded):
    with FakeServices(recorded, load_records()) as running:
        yield running


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="spend")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def run(*argv: str) -> int:
    args = parse(*argv)
    return args.func(args)


@pytest.mark.parametrize(
    ("command", "example"),
    [
        ("fetch", "spend notices fetch --source contracts-finder --from 2019-01-01 --to 2019-03-31 --keyword Optum"),
        ("fetch", "spend notices fetch --source find-a-tender --from 2021-01-01"),
        ("build", "spend notices build ../shared/realdata/contracts-finder"),
        ("add", "spend notices add ../shared/realdata/contracts-finder"),
    ],
)
def test_help_shows_an_example(command, example, capsys):
    with pytest.raises(SystemExit) as exited:
        parse("notices", command, "--help")
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert "examples:" in shown and example in shown


def test_sub_commands_are_registered_with_their_run_functions():
    assert parse("notices", "fetch", "--source", "find-a-tender").func is cli.run_fetch
    assert parse("notices", "build").func is cli.run_build
    with pytest.raises(SystemExit):
        parse("notices", "fetch", "--source", "elsewhere")


@pytest.mark.slow
def test_fetch_then_build(server, tmp_path, capsys):
    raw, out = tmp_path / "raw", tmp_path / "clean" / "current"
    code = run(
        "notices", "fetch", "--source", "contracts-finder", "--from", "2019-01-01", "--to", "2019-03-31",
        "--base-url", server.base_url, "--raw-dir", str(raw), "--limit", "2",
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "90/90 windows" in printed  # one-day windows, --to included
    hit = server.hits("cf-search")[0].query
    assert (hit["publishedFrom"], hit["publishedTo"]) == ("2019-01-01T00:00:00", "2019-01-01T23:59:59")
    assert server.hits("cf-search")[-1].query["publishedTo"] == "2019-03-31T23:59:59"
    assert (tmp_path / "cache" / "contracts-finder.sqlite").exists()

    assert run("notices", "build", "--data", str(tmp_path)) == 0  # the harvest went to <data>/raw
    printed = capsys.readouterr().out
    notices = pq.read_table(out / "notices.parquet")
    expected = [r for r in server.recorded if "2019-01-01" <= r.release["date"][:10] <= "2019-03-31"]
    assert notices.num_rows == len(expected) == 1
    stored = [p for p in (raw / "contracts-finder").rglob("*.json") if not p.name.endswith(".meta.json")
              and p.name != "state.json"]
    assert f"{len(stored)} notice files: 1 notices, 1 awards" in printed
    assert pq.read_table(out / "notices.parquet").column("source_file")[0].as_py().startswith("contracts-finder/")


def test_keyword_and_supplier_searches(server, tmp_path, capsys):
    arguments = ["notices", "fetch", "--source", "contracts-finder", "--from", "2019-01-01", "--to", "2020-04-30",
                 "--base-url", server.base_url, "--raw-dir", str(tmp_path), "--no-cache"]
    assert run(*arguments, "--keyword", "Optum") == 0
    assert run(*arguments, "--supplier", "Sodexo") == 0
    searches = [h.body["searchCriteria"] for h in server.hits("cf-notice-search")]
    optum = [c for c in searches if c["keyword"] == "Optum"]
    sodexo = [c for c in searches if c["keyword"] == "Sodexo"]
    assert optum and all("statuses" not in c for c in optum)
    assert sodexo and all(c["statuses"] == ["Awarded"] for c in sodexo)
    stored = list((tmp_path / "contracts-finder").glob("search_sodexo_awarded_*/notices/*.json"))
    expected = [f"{r.notice_id}.json" for r in server.recorded if "SODEXO" in json.dumps(r.release)]
    assert len(expected) == 1
    assert [p.name for p in stored if not p.name.endswith(".meta.json")] == expected


def test_single_look_ups(server, tmp_path, capsys):
    ocid = sorted(load_records())[0]
    code = run("notices", "fetch", "--source", "contracts-finder", "--ocid", ocid, "--release-id", server.recorded[0].release_id,
               "--base-url", server.base_url, "--raw-dir", str(tmp_path), "--no-cache")
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 2)[-2] for p in printed] == ["releases", "records"]


def test_build_defaults_to_the_raw_store(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPEND_DATA", str(tmp_path))
    shutil.copytree(contracts_finder_dir() / "ocds-1.1-award-2019-20", tmp_path / "raw" / "contracts-finder" / "copy")
    assert run("notices", "build") == 0
    assert pq.read_table(tmp_path / "clean" / "current" / "awards.parquet").num_rows == 50


def test_build_says_so_when_a_file_cannot_be_read(tmp_path, capsys):
    given = tmp_path / "given"
    given.mkdir()
    shutil.copy(sorted((contracts_finder_dir() / "ocds-1.1-award-2019-20").glob("*.json"))[0], given / "good.json")
    (given / "cut.json").write_text('{"releases": [')
    data = tmp_path / "data"
    assert run("notices", "build", str(given), "--data", str(data)) == 1
    stored_cut = data / "raw" / "contracts-finder" / "added" / "given" / "cut.json"
    assert f"{stored_cut}: not JSON" in capsys.readouterr().err
    assert pq.read_table(data / "clean" / "current" / "notices.parquet").num_rows == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--source", "find-a-tender", "--from", "2021-01-01", "--to", "2021-01-02", "--keyword", "x"], "exist only on contracts-finder"),
        (["--source", "contracts-finder", "--from", "2021-01-01"], "--from and --to are required"),
        (["--source", "contracts-finder", "--from", "2021-01-01", "--to", "1st May"], "'1st May' is not a date"),
        (["--source", "contracts-finder", "--from", "2021-01-02", "--to", "2021-01-01"], "empty date range"),
        (["--source", "contracts-finder", "--from", "2021-01-01", "--to", "2021-01-02", "--keyword", "a", "--supplier", "b"], "not both"),
    ],
)
def test_usage_errors_are_one_clear_line(argv, message, tmp_path, capsys):
    with pytest.raises(SpendError, match=message):
        run("notices", "fetch", *argv, "--raw-dir", str(tmp_path), "--no-cache")
    assert spend_main(["notices", "fetch", *argv, "--raw-dir", str(tmp_path), "--no-cache"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_build_without_raw_files_is_an_error(tmp_path):
    with pytest.raises(SpendError, match="no stored OCDS files"):
        run("notices", "build", str(tmp_path), "--data", str(tmp_path / "data"))
    with pytest.raises(SpendError, match="no such file or folder"):
        run("notices", "build", str(tmp_path / "missing"), "--data", str(tmp_path / "data"))
    with pytest.raises(SpendError, match="no raw spend files or notices"):
        run("notices", "build", "--data", str(tmp_path / "data"))


def test_add_files_each_once_with_provenance(tmp_path, capsys):
    folder = contracts_finder_dir() / "ocds-1.1-award-2019-20"
    data = tmp_path / "data"
    assert run("notices", "add", str(folder), "--data", str(data)) == 0
    assert "50 file(s) added, 0 already there" in capsys.readouterr().out
    stored = data / "raw" / "contracts-finder" / "added" / folder.name
    first = sorted(folder.glob("*.json"))[0]
    meta = json.loads((stored / f"{first.name}.meta.json").read_text())
    assert meta["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest() and meta["url"] == first.resolve().as_uri()
    assert run("notices", "add", str(folder), "--data", str(data)) == 0
    assert "0 file(s) added, 50 already there" in capsys.readouterr().out


def test_ctrl_c_exits_130_with_a_resume_hint(server, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    import spend.sources.harvest

    monkeypatch.setattr(spend.sources.harvest, "harvest_feed", interrupted)  # run_fetch imports it when run
    code = run("notices", "fetch", "--source", "contracts-finder", "--from", "2019-01-01", "--to", "2019-01-02",
               "--base-url", server.base_url, "--raw-dir", str(tmp_path), "--no-cache")
    assert code == 130
    assert "run the same command again to resume" in capsys.readouterr().err


def test_fetch_fails_when_a_search_window_stays_over_the_limit(recorded, tmp_path, capsys, monkeypatch):
    from dataclasses import replace

    tight = replace(cli.SEARCHES["contracts-finder"], max_hits=1, min_window=cli.timedelta(days=400))
    monkeypatch.setitem(cli.SEARCHES, "contracts-finder", tight)
    with FakeServices(recorded, max_hits=1) as server:
        code = run("notices", "fetch", "--source", "contracts-finder", "--from", "2019-01-01", "--to", "2019-12-31",
                   "--keyword", "framework", "--window-hours", str(24 * 365),
                   "--base-url", server.base_url, "--raw-dir", str(tmp_path), "--no-cache")
    assert code == 1
    assert "still had more hits than the service returns" in capsys.readouterr().err
