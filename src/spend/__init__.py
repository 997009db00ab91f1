"""spend: follow public money in UK procurement, exactly and traceably.

    import spend
    payments = spend.load_payments()                     # the store built by `spend build`
    frame = spend.parse_spend_file("NWHO 04 - July.pdf")  # one published file
"""

__version__ = "0.1.0"

# Imported on first use, so `spend --help` stays quick.
_LAZY = {
    "load_payments": ("spend.store", "load_payments"),
    "parse_spend_file": ("spend.parse", "parse_spend_file"),
    "parse_file": ("spend.parse", "parse_file"),
    "build_store": ("spend.store", "build_store"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'spend' has no attribute {name!r}")
