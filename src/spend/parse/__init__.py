"""Parse one published spend file (CSV, XLS, XLSX or PDF) into canonical payments, rejects and a report.

    from spend.parse import parse_file
    result = parse_file("NWHO 04 - July.pdf")
    result.payments, result.rejects, result.report

The flow inside: `sniff` (what the bytes are) -> `readers` / `pdf` (sheets of text cells with locators)
-> `headers` (which column is which) -> `file` (rows judged, accounted for, converted with `amounts`,
`dates` and `spend.core.codes`). Pure: no network, nothing written.

Names are imported on first use, so `spend.parse.sniff` can be used without loading pandas.
"""

from importlib import import_module

_WHERE = dict.fromkeys(["parse_file", "parse_bytes", "parse_spend_file", "ParseResult", "FileReport"],
                       "spend.parse.file")
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'spend.parse' has no attribute {name!r}")
