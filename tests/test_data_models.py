"""The package's data files are checked by their declared models: every file has one, every package file
fits it, and a malformed entry is a typed error naming the file, the entry (slug, figure id or row) and the
field or column."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from spend.outputs import figures
from spend.sources.errors import RegistryError
from spend.sources.registry import load_publishers
from spend.suppliers.datafiles import data_path, read_records
from spend.suppliers.errors import OverridesError, SupplierDataError
from spend.suppliers.groups import GroupRow
from spend.suppliers.keys import AbbreviationRow, CodePatternRow, LegalFormRow
from spend.suppliers.kinds import NameRow, NonSupplierRow, VocabularyRow
from spend.suppliers.overrides import OverrideColumns, load_overrides
from spend.suppliers.sectors import SectorRow

# Every supplier data file in spend/data and the model of its rows.
SUPPLIER_FILES = {
    "legal_forms.csv": LegalFormRow,
    "supplier_code_patterns.csv": CodePatternRow,
    "supplier_given_names.csv": NameRow,
    "supplier_groups.csv": GroupRow,
    "supplier_name_abbreviations.csv": AbbreviationRow,
    "supplier_non_suppliers.csv": NonSupplierRow,
    "supplier_overrides.csv": OverrideColumns,
    "supplier_person_like_organisations.csv": NameRow,
    "supplier_sectors.csv": SectorRow,
    "supplier_vocabulary.csv": VocabularyRow,
}


def test_every_supplier_data_file_has_a_model_and_fits_it():
    package = {p.name for p in data_path("").glob("*.csv") if p.name.startswith("supplier_") or p.name == "legal_forms.csv"}
    assert package == set(SUPPLIER_FILES)
    for name, model in SUPPLIER_FILES.items():
        records = read_records(data_path(name), model)
        assert all(isinstance(r, model) for r in records)
        assert records or name == "supplier_overrides.csv", name  # the overrides file holds only its header


# (file, model, its text, what the error must say after the file's name)
MALFORMED_CSV = [
    ("supplier_groups.csv", GroupRow, "group,member\nCapita,CAPITA\n",
     r" \(header\): missing column\(s\) member_key, source; unknown column\(s\) member; expected group,member_key,source"),
    ("supplier_groups.csv", GroupRow, "group,member_key,colour\n",
     r" \(header\): missing column\(s\) source; unknown column\(s\) colour; expected group,member_key,source"),
    ("supplier_groups.csv", GroupRow, "group,member_key,source\nCapita,CAPITA,x\n ,CAPITA PLC,x\n",
     r" \(data row 2\): group '' is not filled in"),
    ("supplier_groups.csv", GroupRow, "group,member_key,source\nCapita,CAPITA,x,extra\n",
     r" \(data row 1\): wrong number of cells"),
    ("supplier_vocabulary.csv", VocabularyRow, "word,role\nTHE,weak\nAND,strong\n",
     r" \(data row 2\): unknown role 'strong'; use one of generic, nhs_optional, organisation, weak"),
    ("supplier_vocabulary.csv", VocabularyRow, "word,role\nthe,weak\n",
     r" \(data row 1\): word 'the' is not upper-case words as a supplier key writes them"),
    ("legal_forms.csv", LegalFormRow, "form,canonical,kind,action\nLTD,LIMITED,company,drop\n",
     r" \(data row 1\): unknown action 'drop'; use one of keep, strip"),
    ("legal_forms.csv", LegalFormRow, "form,canonical,kind\nLTD,LIMITED,company\n",
     r" \(header\): missing column\(s\) action; expected form,canonical,kind,action"),
    ("supplier_name_abbreviations.csv", AbbreviationRow, "short,long,scope,where\nFT,FOUNDATION TRUST,key,start\n",
     r" \(data row 1\): unknown where 'start'; use one of any, end"),
    ("supplier_code_patterns.csv", CodePatternRow, "pattern,scheme,note\n(?P<code>[A-Z]+,ledger_code,x\n",
     r" \(data row 1\): pattern '\(\?P<code>\[A-Z\]\+': bad pattern: missing \), unterminated subpattern"),
    ("supplier_code_patterns.csv", CodePatternRow, "pattern,scheme,note\n^UK(?P<code>[0-9]+)$,vat,x\n",
     r" \(data row 1\): unknown scheme 'vat'; use one of company_number, ledger_code"),
    ("supplier_non_suppliers.csv", NonSupplierRow, "pattern,kind\n^redacted$,blank\n",
     r" \(data row 1\): unknown kind 'blank'; use one of placeholder, redacted, total"),
    ("supplier_given_names.csv", NameRow, 'name\nAARON\n""\n', r" \(data row 2\): name '' is not filled in"),
    ("supplier_person_like_organisations.csv", NameRow, "name,why\nJOHN LEWIS,retailer\n",
     r" \(header\): unknown column\(s\) why; expected name,note"),
    ("supplier_sectors.csv", SectorRow, "sector,pattern,why\ngovernment,COUNCIL$,councils\n",
     r" \(data row 1\): unknown sector 'government'; use one of charity, company, nhs, public"),
    ("supplier_sectors.csv", SectorRow, "sector,pattern\npublic,COUNCIL$\n",
     r" \(header\): missing column\(s\) why; expected sector,pattern,why"),
]


@pytest.mark.parametrize("name, model, text, message", MALFORMED_CSV,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MALFORMED_CSV)])
def test_a_malformed_supplier_data_file_names_the_file_the_row_and_the_column(tmp_path, name, model, text, message):
    path = tmp_path / name
    path.write_text("# a comment naming the source\n" + text, encoding="utf-8")
    with pytest.raises(SupplierDataError) as e:
        read_records(path, model)
    assert re.match(re.escape(str(path)) + message, str(e.value)), str(e.value)
    assert e.value.source == str(path)


@pytest.mark.parametrize("text, message", [
    ("action,name,goal,note\nsame,A LTD,B LTD,x\n", r" \(header\): missing column\(s\) target; unknown column\(s\) goal"),
    ("action,name,target,note\nsame,A LTD,B LTD,x\nmerge,A LTD,B LTD,x\n", r" \(data row 2\): unknown action 'merge'"),
    ("action,name,target\nsame,A LTD\n", r" \(data row 1\): wrong number of cells"),
])
def test_a_malformed_overrides_file_is_an_overrides_error(tmp_path, text, message):
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OverridesError) as e:
        load_overrides(path)
    assert re.match(re.escape(str(path)) + message, str(e.value)), str(e.value)


REGISTRY_ENTRY = """
- slug: test-trust
  name: Test Trust
  kind: trust
  ods_code: "ABC"
  identifiers: {gss_code: E38000084}
  landing_pages: [https://example.org/spend]
  hints: {publisher_column: true}
  corpus: []
  notes: a test
"""


@pytest.mark.parametrize("change, entry, message", [
    (("ods_code: \"ABC\"", "ods_code: 12"), "test-trust",
     "'ods_code' must be quoted text, not 12 (3-6 upper-case letters or digits, quoted in YAML)"),
    (("ods_code: \"ABC\"", "ods_code: \"abc\""), "test-trust",
     "ods_code 'abc' is not 3-6 upper-case letters or digits, quoted in YAML"),
    (("slug: test-trust", "slug: Test_Trust"), "Test_Trust",
     "slug 'Test_Trust' is not lower-case words joined by single hyphens, at most 64 characters"),
    (("kind: trust", "kind: hospital"), "test-trust", "kind 'hospital' is not one of ['agency', 'ccg', "),
    (("{publisher_column: true}", "{publisher_column: maybe}"), "test-trust",
     "hints: 'publisher_column' must be true or false, not 'maybe'"),
    (("{publisher_column: true}", "{date_order: sideways}"), "test-trust",
     "hints date_order 'sideways' is not one of ['day-first', 'month-first']"),
    (("{publisher_column: true}", "[publisher_column]"), "test-trust", "hints must be a mapping, not ['publisher_column']"),
    (("https://example.org/spend", "example.org/spend"), "test-trust",
     "landing_pages[0] 'example.org/spend' is not an http(s) URL"),
    (("corpus: []", "corpus: [/etc/*.csv]"), "test-trust",
     "corpus must be a list of relative globs (no leading '/', no '..'): corpus[0] is '/etc/*.csv'"),
    (("{gss_code: E38000084}", "{gss_code: 38000084}"), "test-trust", "identifiers values must be quoted text"),
    (("name: Test Trust", "name: ' Test Trust'"), "test-trust", "name ' Test Trust' is not non-empty text"),
    (("- slug: test-trust\n  name: Test Trust", "- just text\n- slug: test-trust\n  name: Test Trust"), "entry 1",
     "each entry must be a mapping, not 'just text'"),
    (("corpus: []", "corpus: []\n  successor: test-trust"), "test-trust", "successor must be another entry's slug"),
])
def test_a_malformed_registry_entry_names_the_file_the_entry_and_the_field(tmp_path, change, entry, message):
    path = tmp_path / "publishers.yaml"
    path.write_text(REGISTRY_ENTRY.replace(*change), encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        load_publishers(path)
    assert str(e.value).startswith(f"{path} ({entry}): {message}"), str(e.value)


FIGURE = """\
figures:
  - id: ok
    claim: A claim.
    source: {publication: A paper, date: "2020-01", url: "https://example.org/a"}
    query: {kind: payments, publishers: [nhs-hounslow-ccg], supplier: {group: Capita}, from: 2020-04, to: 2020-11}
    expected: "1.00"
"""


@pytest.mark.parametrize("change, message", [
    (("claim: A claim.", "claim: ''"), "figure ok: claim '' is not text (write \"not recorded\" when it is not known)"),
    (("claim: A claim.", "claim: A claim.\n    colour: red"), "figure ok: unknown field(s) ['colour']"),
    (("publication: A paper, ", ""), "figure ok: source: missing field(s) ['publication']"),
    (("{group: Capita}", "{group: Capita, colour: red}"),
     "figure ok: query supplier must be a mapping with keys from ['group', 'id', 'name']; unknown field(s) ['colour']"),
    (("from: 2020-04", "from: 2020-13"), "figure ok: query from/to: '2020-13' is not a month"),
    (('expected: "1.00"', 'expected: "1.00"\n    tolerance: 0.05'),
     "figure ok: 'tolerance' must be quoted text or a mapping, not 0.05"),
    (('expected: "1.00"', 'expected: "1.00"\n    tolerance: {relative: 0.05, why: rounding}'),
     "figure ok tolerance: 'relative' must be quoted text, not 0.05"),
    (("id: ok", "id: 7"), "entry 1 of 'figures': 'id' must be quoted text, not 7"),
    (("  - id: ok\n", "  - \n"), "entry 1 of 'figures': missing field(s) ['id']"),
    (("figures:\n", "figures:\n  - 12\n"), "entry 1 of 'figures': each entry of 'figures' must be a mapping, not 12"),
])
def test_a_malformed_figure_names_the_file_the_figure_and_the_field(tmp_path, change, message):
    path = tmp_path / "figures.yaml"
    path.write_text(FIGURE.replace(*change), encoding="utf-8")
    with pytest.raises(figures.FiguresFileError) as e:
        figures.load_figures(path)
    assert str(e.value).startswith(f"{path}: {message}"), str(e.value)


def test_the_command_line_does_not_load_the_models_to_show_its_help():
    code = ("import sys\nfrom spend.cli import build_parser\nbuild_parser().format_help()\n"
            "print(sorted(m for m in ('msgspec', 'pydantic', 'spend.core.models') if m in sys.modules))")
    src = str(Path(__file__).resolve().parents[1] / "src")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
