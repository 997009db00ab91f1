"""The notices tables in the store: every OCDS file stored under data/raw/<source>/ flattened
(spend.notices.tables), each award's supplier tied to the suppliers that were paid
(spend.suppliers.awards), written beside the payments.

    data/clean/notices.parquet           schema.NOTICES
    data/clean/awards.parquet            schema.AWARDS
    data/clean/award_suppliers.parquet   schema.STORED_AWARD_SUPPLIERS
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spend.core import schema
from spend.notices.tables import NoticeTables, build_tables
from spend.store.write import write_parquet_atomic

TABLES = {"notices": schema.NOTICES, "awards": schema.AWARDS, "award_suppliers": schema.STORED_AWARD_SUPPLIERS}


def read_notices(data_dir: Path, files: list[Path]) -> NoticeTables:
    """The notices tables of the stored OCDS files, each row naming its file under data/raw."""
    return build_tables(files, root=Path(data_dir) / "raw")


def write_notices(tables: NoticeTables, paid: pd.DataFrame | None, out_dir: Path) -> dict[str, Path]:
    """Tie the award suppliers to the paid suppliers (`paid`: see spend.suppliers.awards) and write the three
    tables to `out_dir`, each atomically; return the paths."""
    from spend.suppliers.awards import resolve_award_suppliers

    frames = {"notices": tables.notices, "awards": tables.awards,
              "award_suppliers": resolve_award_suppliers(tables.award_suppliers, paid)}
    written = {}
    for name, frame in frames.items():
        path = Path(out_dir) / f"{name}.parquet"
        write_parquet_atomic(schema.to_arrow(frame, TABLES[name]), path)
        written[name] = path
    return written
