"""Questions asked of the store: pure functions over the payments and notices tables.

    from spend import analysis
    analysis.top_suppliers(payments, publisher_id="nhs-hounslow-ccg")
"""

from spend.analysis.selection import *  # noqa: F401,F403
