"""Questions asked of the store: pure functions over the payments and notices tables.

    from spend import analysis
    analysis.top_suppliers(payments, publisher_id="nhs-hounslow-ccg")

- `selection`: which rows a question is about (countable rows, a supplier's rows, publishers' names);
- `suppliers`: who gets paid (by month, the largest suppliers, concentration, sector shares);
- `contracts`: award lines from the notices, each against the payments made under it;
- `coverage`: what the store holds per publisher and month, and which months are missing.
"""

from spend.analysis.contracts import (  # noqa: F401
    AWARD_LINE_COLUMNS, award_lines, awards_without_payments, contracts_against_payments, empty_award_lines,
    load_award_lines, match_buyers, organisation_key, payments_without_notice,
)
from spend.analysis.selection import (  # noqa: F401
    INDIVIDUAL_KINDS, NHS_KINDS, SupplierMatch, body_names, choose_publishers, countable, match_supplier, nhs_publishers,
    printed_publisher_names, registry_publisher_names, select_payments, supplier_payments,
)
from spend.analysis.suppliers import (  # noqa: F401
    Concentration, concentration, monthly_totals, name_variants, name_variants_table, payments_by_month, sector_of,
    sector_shares, summarise_by_supplier, top_suppliers, totals_by,
)
from spend.core.money import format_gbp, money_sum  # noqa: F401  (notebooks write totals with these)
from spend.core.periods import Period, as_date, financial_year, month_of  # noqa: F401
from spend.suppliers.totals import supplier_totals  # noqa: F401
