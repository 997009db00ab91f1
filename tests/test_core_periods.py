"""Periods: from file names and link text (a table of real names, and properties), and as bounds of days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from spend.core.periods import (
    MONTHS, Period, PeriodError, financial_year, format_month_spans, infer_period, month_number, month_spans,
    months_of_period,
)
from spend.sources.registry import load_publishers

# Every file in the corpus's spend folders, with the period its name (and folder) says. Checked by
# hand against each file's payment dates (see also test_sources_registry, which checks the stored
# period of every cheaply parsed corpus file against its last payment date). The NHS London folder
# names the financial year (2020-21); the files name the month (and number it from April).
CORPUS = [
    ("nhs-london-2020-21/BART/BART 01 - April.xlsx", "2020-04"),
    ("nhs-london-2020-21/BART/BART 02 - May.xlsx", "2020-05"),
    ("nhs-london-2020-21/BART/BART 03 - June.xlsx", "2020-06"),
    ("nhs-london-2020-21/BART/BART 04 - July.xlsx", "2020-07"),
    ("nhs-london-2020-21/BART/BART 05 - August.xlsx", "2020-08"),
    ("nhs-london-2020-21/BART/BART 06 - September.xlsx", "2020-09"),
    ("nhs-london-2020-21/BART/BART 07 - October.xlsx", "2020-10"),
    ("nhs-london-2020-21/BART/BART 08 - November.xlsx", "2020-11"),
    ("nhs-london-2020-21/BART/BART 09 - December.xls", "2020-12"),
    ("nhs-london-2020-21/BART/BART 10 - January.xlsx", "2021-01"),
    ("nhs-london-2020-21/BART/BART 11 - February.xlsx", "2021-02"),
    ("nhs-london-2020-21/CHWE/CHWE 01 - April.csv", "2020-04"),
    ("nhs-london-2020-21/CHWE/CHWE 02 - May.csv", "2020-05"),
    ("nhs-london-2020-21/CHWE/CHWE 03 - June.csv", "2020-06"),
    ("nhs-london-2020-21/CHWE/CHWE 04 - July.csv", "2020-07"),
    ("nhs-london-2020-21/CHWE/CHWE 05 - August.csv", "2020-08"),
    ("nhs-london-2020-21/CHWE/CHWE 06 - September.csv", "2020-09"),
    ("nhs-london-2020-21/CHWE/CHWE 07 - October.csv", "2020-10"),
    ("nhs-london-2020-21/CHWE/CHWE 08 - November.csv", "2020-11"),
    ("nhs-london-2020-21/CHWE/CHWE 09 - December.csv", "2020-12"),
    ("nhs-london-2020-21/CHWE/CHWE 10 - January.csv", "2021-01"),
    ("nhs-london-2020-21/CHWE/CHWE 11 - February.csv", "2021-02"),
    ("nhs-london-2020-21/CHWE/CHWE 12 - March.csv", "2021-03"),
    ("nhs-london-2020-21/CROY/CROY 01 - April.csv", "2020-04"),
    ("nhs-london-2020-21/CROY/CROY 02 - May.csv", "2020-05"),
    ("nhs-london-2020-21/CROY/CROY 03 - June.csv", "2020-06"),
    ("nhs-london-2020-21/CROY/CROY 04 - July.csv", "2020-07"),
    ("nhs-london-2020-21/CROY/CROY 05 - August.csv", "2020-08"),
    ("nhs-london-2020-21/CROY/CROY 06 - Spetember.csv", "2020-09"),
    ("nhs-london-2020-21/CROY/CROY 07 - October.csv", "2020-10"),
    ("nhs-london-2020-21/CROY/CROY 08 - November.csv", "2020-11"),
    ("nhs-london-2020-21/CROY/CROY 09 - December.csv", "2020-12"),
    ("nhs-london-2020-21/CROY/CROY 10 - January.csv", "2021-01"),
    ("nhs-london-2020-21/CROY/CROY 11 - February.csv", "2021-02"),
    ("nhs-london-2020-21/CROY/CROY 12 - March.csv", "2021-03"),
    ("nhs-london-2020-21/EPSH/EPSH 01 - April.csv", "2020-04"),
    ("nhs-london-2020-21/EPSH/EPSH 02 - May.csv", "2020-05"),
    ("nhs-london-2020-21/EPSH/EPSH 03 - June.csv", "2020-06"),
    ("nhs-london-2020-21/EPSH/EPSH 04 - July.csv", "2020-07"),
    ("nhs-london-2020-21/EPSH/EPSH 05 - August.csv", "2020-08"),
    ("nhs-london-2020-21/EPSH/EPSH 06 - September.csv", "2020-09"),
    ("nhs-london-2020-21/EPSH/EPSH 07 - October.csv", "2020-10"),
    ("nhs-london-2020-21/EPSH/EPSH 08 - November.csv", "2020-11"),
    ("nhs-london-2020-21/EPSH/EPSH 09 - December.csv", "2020-12"),
    ("nhs-london-2020-21/EPSH/EPSH 10 - January.csv", "2021-01"),
    ("nhs-london-2020-21/EPSH/EPSH 11 - February.csv", "2021-02"),
    ("nhs-london-2020-21/EPSH/EPSH 12 - March.csv", "2021-03"),
    ("nhs-london-2020-21/GUYS/GUYS 01 - April.csv", "2020-04"),
    ("nhs-london-2020-21/GUYS/GUYS 07 - October.csv", "2020-10"),
    ("nhs-london-2020-21/KGST/KGST 03 - June.csv", "2020-06"),
    ("nhs-london-2020-21/KGST/KGST 04 - July.csv", "2020-07"),
    ("nhs-london-2020-21/KGST/KGST 05 - August.csv", "2020-08"),
    ("nhs-london-2020-21/KGST/KGST 06 - September.csv", "2020-09"),
    ("nhs-london-2020-21/KGST/KGST 07 - October.csv", "2020-10"),
    ("nhs-london-2020-21/KGST/KGST 08 - November.csv", "2020-11"),
    ("nhs-london-2020-21/KGST/KGST 09 - December.csv", "2020-12"),
    ("nhs-london-2020-21/KGST/KGST 10 - January.csv", "2021-01"),
    ("nhs-london-2020-21/KGST/KGST 11 - February.csv", "2021-02"),
    ("nhs-london-2020-21/KGST/KGST 12 - March.csv", "2021-03"),
    ("nhs-london-2020-21/NERD/NERD 01 - April.csv", "2020-04"),
    ("nhs-london-2020-21/NERD/NERD 02 - May.csv", "2020-05"),
    ("nhs-london-2020-21/NERD/NERD 03 - June.csv", "2020-06"),
    ("nhs-london-2020-21/NERD/NERD 04 - July.csv", "2020-07"),
    ("nhs-london-2020-21/NERD/NERD 05 - August.csv", "2020-08"),
    ("nhs-london-2020-21/NERD/NERD 06 - September.csv", "2020-09"),
    ("nhs-london-2020-21/NERD/NERD 07 - October.csv", "2020-10"),
    ("nhs-london-2020-21/NERD/NERD 08 - November.csv", "2020-11"),
    ("nhs-london-2020-21/NERD/NERD 09 - December.csv", "2020-12"),
    ("nhs-london-2020-21/NERD/NERD 10 - January.csv", "2021-01"),
    ("nhs-london-2020-21/NERD/NERD 11 - February.csv", "2021-02"),
    ("nhs-london-2020-21/NERD/NERD 12 - March.csv", "2021-03"),
    ("nhs-london-2020-21/NMID/NMID 01 - April.xlsx", "2020-04"),
    ("nhs-london-2020-21/NMID/NMID 02 - May.xlsx", "2020-05"),
    ("nhs-london-2020-21/NMID/NMID 03 - June.xlsx", "2020-06"),
    ("nhs-london-2020-21/NMID/NMID 04 - July.xlsx", "2020-07"),
    ("nhs-london-2020-21/NMID/NMID 05 - August.xlsx", "2020-08"),
    ("nhs-london-2020-21/NMID/NMID 06 - September.xlsx", "2020-09"),
    ("nhs-london-2020-21/NMID/NMID 07 - October.xlsx", "2020-10"),
    ("nhs-london-2020-21/NMID/NMID 08 - November.xlsx", "2020-11"),
    ("nhs-london-2020-21/NMID/NMID 09 - December.xlsx", "2020-12"),
    ("nhs-london-2020-21/NMID/NMID 10 - January.xlsx", "2021-01"),
    ("nhs-london-2020-21/NMID/NMID 11 - February.xlsx", "2021-02"),
    ("nhs-london-2020-21/NMID/NMID 12 - March.xlsx", "2021-03"),
    ("nhs-london-2020-21/NWHA/NWHA 01 - April.pdf", "2020-04"),
    ("nhs-london-2020-21/NWHA/NWHA 01 - April.pdf.csv", "2020-04"),
    ("nhs-london-2020-21/NWHA/NWHA 02 - May.pdf", "2020-05"),
    ("nhs-london-2020-21/NWHA/NWHA 02 - May.pdf.csv", "2020-05"),
    ("nhs-london-2020-21/NWHA/NWHA 03 - June.pdf", "2020-06"),
    ("nhs-london-2020-21/NWHA/NWHA 03 - June.pdf.csv", "2020-06"),
    ("nhs-london-2020-21/NWHA/NWHA 04 - July.pdf", "2020-07"),
    ("nhs-london-2020-21/NWHA/NWHA 04 - July.pdf.csv", "2020-07"),
    ("nhs-london-2020-21/NWHA/NWHA 05 - August.pdf", "2020-08"),
    ("nhs-london-2020-21/NWHA/NWHA 05 - August.pdf.csv", "2020-08"),
    ("nhs-london-2020-21/NWHA/NWHA 06 - September.pdf", "2020-09"),
    ("nhs-london-2020-21/NWHA/NWHA 06 - September.pdf.csv", "2020-09"),
    ("nhs-london-2020-21/NWHA/NWHA 07 - October.pdf", "2020-10"),
    ("nhs-london-2020-21/NWHA/NWHA 07 - October.pdf.csv", "2020-10"),
    ("nhs-london-2020-21/NWHA/NWHA 08 - November.pdf", "2020-11"),
    ("nhs-london-2020-21/NWHA/NWHA 08 - November.pdf.csv", "2020-11"),
    ("nhs-london-2020-21/NWHO/NWHO 01 - April.pdf", "2020-04"),
    ("nhs-london-2020-21/NWHO/NWHO 01 - April.pdf.csv", "2020-04"),
    ("nhs-london-2020-21/NWHO/NWHO 02 - May.pdf", "2020-05"),
    ("nhs-london-2020-21/NWHO/NWHO 02 - May.pdf.csv", "2020-05"),
    ("nhs-london-2020-21/NWHO/NWHO 03 - June.pdf", "2020-06"),
    ("nhs-london-2020-21/NWHO/NWHO 03 - June.pdf.csv", "2020-06"),
    ("nhs-london-2020-21/NWHO/NWHO 04 - July.pdf", "2020-07"),
    ("nhs-london-2020-21/NWHO/NWHO 04 - July.pdf.csv", "2020-07"),
    ("nhs-london-2020-21/NWHO/NWHO 05 - August.pdf", "2020-08"),
    ("nhs-london-2020-21/NWHO/NWHO 05 - August.pdf.csv", "2020-08"),
    ("nhs-london-2020-21/NWHO/NWHO 06 - September.pdf", "2020-09"),
    ("nhs-london-2020-21/NWHO/NWHO 06 - September.pdf.csv", "2020-09"),
    ("nhs-london-2020-21/NWHO/NWHO 07 - October.pdf", "2020-10"),
    ("nhs-london-2020-21/NWHO/NWHO 07 - October.pdf.csv", "2020-10"),
    ("nhs-london-2020-21/NWHO/NWHO 08 - November.pdf", "2020-11"),
    ("nhs-london-2020-21/NWHO/NWHO 08 - November.pdf.csv", "2020-11"),
    ("nhs-london-2020-21/WHIT/WHIT 01 - April.csv", "2020-04"),
    ("nhs-london-2020-21/WHIT/WHIT 02 - May.csv", "2020-05"),
    ("nhs-london-2020-21/WHIT/WHIT 03 - June.csv", "2020-06"),
    ("nhs-london-2020-21/WHIT/WHIT 04 - July.csv", "2020-07"),
    ("nhs-london-2020-21/WHIT/WHIT 05 - August.csv", "2020-08"),
    ("nhs-london-2020-21/WHIT/WHIT 06 - September.csv", "2020-09"),
    ("nhs-london-2020-21/WHIT/WHIT 07 - October.csv", "2020-10"),
    ("nhs-london-2020-21/WHIT/WHIT 08 - November.csv", "2020-11"),
    ("nhs-london-2020-21/first-upload/CHWE/CHWE 09 - December.csv", "2020-12"),
    ("nhs-london-2020-21/first-upload/NERD/NERD 11 - February.csv", "2021-02"),
    ("nhs-london-2020-21/first-upload/NERD/NERD 12 - March.csv", "2021-03"),
    ("nhs-london-2020-21/first-upload/NWHA/NWHA 03 - June.pdf.csv", "2020-06"),
    ("nhs-london-2020-21/first-upload/NWHO/NWHO 04 - July.pdf.csv", "2020-07"),
    ("nhs-london-2020-21/first-upload/NWHO/NWHO 06 - September.pdf.csv", "2020-09"),
    ("central-government/1011-bbsrc-25k-spend-return.csv", "2010-04..2011-03"),  # name: FY 2010/11 only
    ("central-government/BIS_monthly_spend_December_2012.xls", "2012-12"),
    ("central-government/BIS_spending_over__25_000_July_2014.csv", "2014-07"),
    ("central-government/invalid_excel.xlsx", None),  # nothing in the name; the registry says 2010-12
    ("councils/lambeth/2011-01-payments.csv", "2011-01"),
    ("councils/lambeth/2012-05-payments.csv", "2012-05"),
    ("councils/lambeth/2012-06-payments.csv", "2012-06"),
    ("councils/oxford/expenditure-over-500-apr-jun-2014.csv", "2014-04..2014-06"),
    ("councils/oxford/expenditure-over-500-apr-jun-2016.csv", "2016-04..2016-06"),
    ("councils/oxford/expenditure-over-500-jan-mar-2014.csv", "2014-01..2014-03"),
    ("councils/oxford/expenditure-over-500-jan-mar-2017.csv", "2017-01..2017-03"),
    ("councils/oxford/expenditure-over-500-jan-mar-2018.csv", "2018-01..2018-03"),
    ("councils/oxford/expenditure-over-500-jul-sep-2015.csv", "2015-07..2015-09"),
    ("councils/oxford/expenditure-over-500-oct-dec-2015.csv", "2015-10..2015-12"),
    ("councils/oxford/expenditure-over-500-oct-dec-2017.csv", "2017-10..2017-12"),
]


def test_the_table_covers_every_file(realdata: Path):
    on_disk = sorted(
        p.relative_to(realdata).as_posix()
        for folder in ("nhs-london-2020-21", "central-government", "councils")
        for p in (realdata / folder).rglob("*")
        if p.is_file() and not p.name.endswith(".json")
    )
    assert sorted(name for name, _ in CORPUS) == on_disk
    assert len(CORPUS) == 144


@pytest.mark.parametrize("relative, expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_file_names(relative, expected):
    found = infer_period(relative)
    assert (found.label if found else None) == expected


def test_nhs_names_need_their_folder_for_the_year():
    assert infer_period("NWHO 04 - July") is None
    assert infer_period("NWHO 04 - July", context="nhs-london-2020-21") == Period.month(2020, 7)
    assert infer_period("NWHO 10 - January.pdf", context=["nhs-london-2020-21"]) == Period.month(2021, 1)
    assert infer_period("CROY 06 - Spetember.csv", context="2020/21") == Period.month(2020, 9)


def test_registry_periods_of_the_corpus(realdata: Path):
    """What `spend fetch --from-dir` files each corpus file under."""
    stored = {
        f.relative_to(realdata).as_posix(): p.corpus_period(f.relative_to(realdata).as_posix())
        for p in load_publishers() for f in p.corpus_files(realdata)
    }
    expected = {name: label for name, label in CORPUS if name in stored}
    expected["central-government/1011-bbsrc-25k-spend-return.csv"] = "2010-11"
    expected["central-government/invalid_excel.xlsx"] = "2010-12"
    assert {k: v.label for k, v in stored.items()} == expected
    assert len(stored) == 120


TEXTS = [
    # month names with years, as link text and file names write them
    ("April 2020", "2020-04"),
    ("Apr-20", "2020-04"),
    ("30-Apr-20", "2020-04"),
    ("April 2020 (CSV, 33KB)", "2020-04"),
    ("Payments Over £500 - October 2024", "2024-10"),
    ("Over 25k October 2019", "2019-10"),
    ("spending-data-feb-2011.csv", "2011-02"),
    ("DCMS_Spend_over_GBP25k_April_2013.csv", "2013-04"),
    ("BIS_spending_over__25_000_July_2014.csv", "2014-07"),
    ("2020 April", "2020-04"),
    ("Sept 2019", "2019-09"),
    ("Spetember 2020", "2020-09"),
    ("Febuary 2021", "2021-02"),
    ("Janurary 2021", "2021-01"),
    ("March 31 2021", "2021-03"),  # a day, not the year 2031
    # numeric
    ("2020-04", "2020-04"),
    ("2020_04", "2020-04"),
    ("202004", "2020-04"),
    ("2020-04-30", "2020-04"),
    ("30/04/2020", "2020-04"),
    ("04-2020", "2020-04"),
    ("DCCSpendingOver500_201509.csv", "2015-09"),
    ("2011-12", "2011-12"),  # December 2011; write 2011/12 for the financial year
    # NHS financial months
    ("M01 2020/21", "2020-04"),
    ("M09 2020/21", "2020-12"),
    ("M10 2020/21", "2021-01"),
    ("M12 2020/21", "2021-03"),
    ("2020/21 M06", "2020-09"),
    ("Month 01 2017/18", "2017-04"),
    ("99E M03 over £25k report June 2017 v2.xlsx", "2017-06"),  # the month name wins over M03
    # quarters: financial with a financial year, calendar with a calendar year
    ("Q1 2014", "2014-01..2014-03"),
    ("Q4 2014", "2014-10..2014-12"),
    ("Quarter 2 2016", "2016-04..2016-06"),
    ("Q1 2020/21", "2020-04..2020-06"),
    ("2020/21 Q4", "2021-01..2021-03"),
    ("3rd quarter 2019/20", "2019-10..2019-12"),
    # month ranges
    ("expenditure-over-500-apr-jun-2014.csv", "2014-04..2014-06"),
    ("January to March 2021", "2021-01..2021-03"),
    ("Q4 - January to April 2024", "2024-01..2024-04"),  # as Lambeth's page has it
    ("Oct 2022 to Mar 2023", "2022-10..2023-03"),
    ("October 2022 to March 2023 (84kB)", "2022-10..2023-03"),
    # financial and calendar years
    ("2020/21", "2020-04..2021-03"),
    ("2019-20", "2019-04..2020-03"),
    ("2020/2021", "2020-04..2021-03"),
    ("FY20/21", "2020-04..2021-03"),
    ("Spend over 25k for 2020/21", "2020-04..2021-03"),
    ("1011-bbsrc-25k-spend-return.csv", "2010-04..2011-03"),
    ("spend-1920.csv", "2019-04..2020-03"),
    ("2014", "2014-01..2014-12"),
    ("Transactions over £25k: 2021", "2021-01..2021-12"),  # 2021 is a year, not 2020/21
    # financial years as GOV.UK and council pages write them in link text
    ("2020 to 2021", "2020-04..2021-03"),
    ("Financial year 2020 to 2021", "2020-04..2021-03"),
    ("Spending over £25,000: 2019 to 2020", "2019-04..2020-03"),
    ("FY 2020/21", "2020-04..2021-03"),
    ("2020-21", "2020-04..2021-03"),
    ("2020 to 2022", "2020-01..2020-12"),  # not consecutive years: not a financial year
    ("April 2020 to March 2021", "2020-04..2021-03"),  # months with their years stay a range of months
    # month names in any case
    ("APRIL 2020", "2020-04"),
    ("april 2020", "2020-04"),
    ("SPEND OVER £500 - MARCH 2021.CSV", "2021-03"),
    # nothing
    ("invalid_excel.xlsx", None),
    ("Redaction rationale (PDF)", None),
    ("Download", None),
    ("May be published later", None),
    ("", None),
    (None, None),
    ("£25,000 and over", None),
    ("Membership of the board", None),
    ("Q3", None),
    ("M04", None),
]


@pytest.mark.parametrize("text, expected", TEXTS)
def test_texts(text, expected):
    found = infer_period(text)
    assert (found.label if found else None) == expected


def test_context_supplies_only_a_missing_year():
    assert infer_period("July", context="2019/20") == Period.month(2019, 7)
    assert infer_period("February", context="2019/20") == Period.month(2020, 2)
    assert infer_period("Q2", context="2020/21").label == "2020-07..2020-09"
    assert infer_period("M01", context="2020/21") == Period.month(2020, 4)
    assert infer_period("July", context="Payments 2018") == Period.month(2018, 7)
    assert infer_period("annual report", context="2020/21") is None
    assert infer_period("April 2019", context="2020/21") == Period.month(2019, 4)  # the text's own year wins
    assert infer_period("January", context="Financial year 2020 to 2021") == Period.month(2021, 1)
    assert infer_period("JULY", context="2020 to 2021") == Period.month(2020, 7)


def test_bases():
    assert infer_period("Q1 2014").basis == "calendar-quarter"
    assert infer_period("Q1 2020/21").basis == "financial-quarter"
    assert infer_period("2020/21").basis == "financial-year"
    assert infer_period("April 2020").basis == "month"
    assert infer_period("apr-jun-2014").basis == "calendar-quarter"


def test_month_words():
    assert [month_number(w) for w in ("spetember", "Sept", "sep", "DECEMBER", "agust", "marhc")] == [9, 9, 9, 12, 8, 3]
    # close to a month name but not one
    assert [month_number(w) for w in ("member", "marked", "junior", "mayor", "spend", "number", "octet", "apple")] == [None] * 8


def test_period_objects():
    p = Period.parse("2020-04..2021-03")
    assert (p.label, p.dirname, p.is_month, len(p.months())) == ("2020-04..2021-03", "2020-04_2021-03", False, 12)
    assert Period.parse("2020-07") == Period.month(2020, 7) and Period.parse("2020-07").dirname == "2020-07"
    assert p.overlaps(Period.month(2021, 3)) and not p.overlaps(Period.month(2021, 4))
    for bad in ("2020-13", "April 2020", "2021-03..2020-04", "2020-4", ""):
        with pytest.raises(PeriodError):
            Period.parse(bad)


# --- properties ---------------------------------------------------------------------------------

years = st.integers(min_value=2005, max_value=2035)
months = st.integers(min_value=1, max_value=12)


@given(years, months, st.sampled_from(["{name} {year}", "{abbr}-{yy:02d}", "{year}-{mm:02d}", "{year}{mm:02d}",
                                        "{name}_{year}", "{dd:02d}/{mm:02d}/{year}", "spend-{abbr}-{year}.csv"]))
def test_any_month_written_any_way_is_that_month(year, month, pattern):
    text = pattern.format(name=MONTHS[month - 1].title(), abbr=MONTHS[month - 1][:3], year=year, yy=year % 100,
                          mm=month, dd=28)
    assert infer_period(text) == Period.month(year, month)


@given(years, st.integers(min_value=1, max_value=12))
def test_nhs_month_n_of_a_financial_year(fy, n):
    found = infer_period(f"M{n:02d} {fy}/{(fy + 1) % 100:02d}")
    expected_month = (n + 2) % 12 + 1
    assert found == Period.month(fy if expected_month >= 4 else fy + 1, expected_month)
    assert found.first_month >= f"{fy}-04" and found.last_month <= f"{fy + 1}-03"


@given(years, months, st.integers(min_value=1, max_value=24))
def test_labels_round_trip(year, month, length):
    period = Period.span(year, month, length, "range")
    assert Period.parse(period.label) == period
    assert len(period.months()) == length


# --- one Period for dates too: --from/--to bounds, contract terms -------------------------------------------


@pytest.mark.parametrize("start, end, first, last", [
    ("2020-04", "2020-11", date(2020, 4, 1), date(2020, 11, 30)),
    ("2020-02", "2020-02", date(2020, 2, 1), date(2020, 2, 29)),
    ("2018-04-15", "2019-01-02", date(2018, 4, 15), date(2019, 1, 2)),
    (None, "2021-03", None, date(2021, 3, 31)),
])
def test_period_bounds(start, end, first, last):
    period = Period.between(start, end)
    assert (period.start, period.end) == (first, last)


@pytest.mark.parametrize("text", ["2020", "April 2020", "2020-4", "20-04-01"])
def test_period_refuses_other_spellings(text):
    with pytest.raises(PeriodError, match="is not a month"):
        Period.between(text, None)


def test_period_months_and_spans():
    assert Period.between("2018-11", "2019-02").months() == ["2018-11", "2018-12", "2019-01", "2019-02"]
    assert month_spans(["2019-01", "2018-12", "2019-03"]) == [("2018-12", "2019-01"), ("2019-03", "2019-03")]


def test_month_helpers():
    assert format_month_spans(["2016-01", "2014-07", "2014-08"]) == "2014-07..2014-08, 2016-01"
    assert months_of_period("2014-11..2015-01") == ["2014-11", "2014-12", "2015-01"]
    assert months_of_period("2020-04") == ["2020-04"]
    assert [months_of_period(x) for x in (None, "", "undated", "2020-13")] == [[], [], [], []]


@pytest.mark.parametrize("first, last, words", [
    ("2020-04", "2021-03", "2020/21"),
    ("2018-04", "2021-03", "2018/19 to 2020/21"),
    ("2020-06", "2020-06", "June 2020"),
    ("2018-04", "2019-01", "April 2018 to January 2019"),
    ("2019-12", "2020-02", "December 2019 to February 2020"),
    ("2020-06-03", "2020-07-01", "3 June 2020 to 1 July 2020"),
    (None, "2021-03", "to March 2021"),
    ("2020-04", None, "from April 2020"),
    ("2020-04-05", None, "from 5 April 2020"),
    (None, None, "all dates"),
])
def test_a_period_as_a_report_writes_it(first, last, words):
    assert Period.between(first, last).for_reader() == words


@pytest.mark.parametrize("day, year", [
    (date(2020, 4, 1), "2020/21"), (date(2021, 3, 31), "2020/21"), (date(2021, 4, 1), "2021/22"),
    (date(1999, 12, 31), "1999/00"), (None, None),
])
def test_the_uk_financial_year_of_a_day(day, year):
    assert financial_year(day) == year
