"""Atomic writes and provenance records: the one implementation every writer of the project uses."""

from __future__ import annotations

import pytest

from spend.core.files import ProvenanceError, provenance_path, read_provenance, write_atomic, write_via_temp


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "table.parquet"
    write_atomic(target, b"old")

    def fail(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_via_temp(target, fail)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.parquet"]


def test_provenance_records_are_read_or_refused_by_name(tmp_path):
    data = tmp_path / "file.csv"
    data.write_text("x", encoding="utf-8")
    assert read_provenance(data) is None
    provenance_path(data).write_text('{"url": "https://example.org/file.csv"}', encoding="utf-8")
    assert read_provenance(data) == {"url": "https://example.org/file.csv"}
    for text, reason in (("[1]", "not a JSON object"), ("{", "Expecting")):
        provenance_path(data).write_text(text, encoding="utf-8")
        with pytest.raises(ProvenanceError, match=f"file.csv.meta.json: unreadable provenance record: {reason}"):
            read_provenance(data)
