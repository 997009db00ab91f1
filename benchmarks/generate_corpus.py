"""A national-scale corpus of spend files for benchmarks: N distinct files in the shapes of the real ones.

    python benchmarks/generate_corpus.py --files 12000 --out /tmp/national [--seed 1] [--publishers 500]

writes a data folder that `spend build --data /tmp/national` builds as it is:

    /tmp/national/publishers.yaml                          the folder's own registry: every generated body
    /tmp/national/raw/spend/<slug>/<YYYY-MM>/<file>        CSV, XLSX and PDF spend files
    /tmp/national/raw/spend/<slug>/<YYYY-MM>/<file>.meta.json   a provenance record beside each
    /tmp/national/manifest.csv                             what each file holds, counted as it was written
    /tmp/national/corpus.json                              the parameters, so a run can be reused

Why a generator: the shared corpus is about 200 files, and repeating them does not measure parsing (the build's
parse cache is keyed by content, so identical bytes are parsed once). Every file written here has bytes of its
own. The shapes are taken from the real files in ../shared/realdata and ../shared/realdata-more:

- publishers: by default 500 bodies, about 84% NHS (CCGs and trusts), the rest councils and central
  bodies, each with a house style kept across its files (template, date and amount forms, encoding, how it
  prints supplier names) and changed now and then, as real publishers change theirs between months;
- files: monthly, spread over ten years (April 2014 to March 2024); by default 86% CSV, 11% XLSX, 3% PDF;
- rows: tens to a few thousand a file (NHS over-£25k files a few hundred, councils over £500 over a
  thousand, and a few trusts that publish every line, Guy's and St Thomas' style, up to 14,000);
- headers from the spellings the parser's synonyms list (src/spend/data/header_synonyms.csv), in real
  column orders (HM Treasury's, Croydon's, Kingston's, Oxford's, Lambeth's, Barts'...), with columns outside
  the template now and then;
- supplier names from a pool of about 3,000, printed with each publisher's habits: LTD / Limited / Ltd.,
  capitals or title case, `&` or `and`, a company number glued on (`KINGS COLLEGE LONDON:03529700`), a
  supplier code in front (`UK0479435601 : Prime Care Solutions Ltd`), names cut at 30 characters;
- amounts in pence, some negative (`-85,260.00`, `(2,509,460.00)`), as `1234.56`, `"1,234.56"`, `£1,234.56`,
  `35261.9` or whole pounds (`"77,041"`); dates in one form a file (`31/10/2020`, `30-Apr-20`, `4/30/2020`,
  `2020-04-30`, `03-NOV-2010`...); titles above the header, trailing totals rows that equal the lines above,
  blank lines;
- PDFs: the real PDFs of the shared corpus, each copy made distinct by a comment after its end (`%...`),
  which PDF readers ignore: the bytes differ, the content parses the same. They are read from the shared
  folders when the corpus is generated and never copied anywhere else;
- no XLS: the legacy format would need a writer the project does not otherwise use, and the shared corpus
  holds only two such files.

The manifest's figures for CSV and XLSX files are counted from the values written (rows, total in pence,
first and last payment date); for a PDF they are the figures of ../shared/realdata-more's EXPECTED.csv (two
independent counts), or, for a PDF that has none, those of `spend parse` of the original file
(`expected_from` says which). A payment row is one the parser must keep; titles, blank lines and totals
rows are written so that it recognises them as non-data.

Deterministic: the same arguments give the same bytes (XLSX zips carry fixed times). Files are written by a
pool of processes, one file per task, each from its own seeded generator.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import math
import os
import random
import re
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from multiprocessing import Pool
from pathlib import Path
from urllib.parse import quote

import numpy as np

GENERATOR_VERSION = 1  # bump when the same arguments would write different bytes
FIRST_MONTH = (2014, 4)  # ten years of months: April 2014 to March 2024
MONTHS = 120
DEFAULT_MIX = {"csv": 0.86, "xlsx": 0.11, "pdf": 0.03}
MANIFEST = "manifest.csv"
CORPUS_JSON = "corpus.json"
MANIFEST_FIELDS = ["file", "publisher_id", "period", "format", "rows", "total_pence", "total_gbp",
                   "first_payment_date", "last_payment_date", "sha256", "size", "expected_from", "encoding",
                   "header_line", "delimiter", "original"]


# --- the vocabulary ----------------------------------------------------------------------------------------

def _items(text: str) -> list[str]:
    """'a|b c|\nd' -> ['a', 'b c', 'd']: a list written over several lines, items split by '|'."""
    return [" ".join(item.split()) for item in text.split("|")]


PLACES = """Barnet Brent Camden Ealing Enfield Hackney Haringey Harrow Havering Hillingdon Hounslow Islington Lambeth
Lewisham Merton Newham Redbridge Richmond Southwark Sutton Wandsworth Bexley Bromley Croydon Greenwich Kingston
Westminster Bedford Luton Milton Oxford Reading Slough Swindon Bath Bristol Exeter Plymouth Torbay Cornwall Dorset
Wiltshire Gloucester Cheltenham Worcester Hereford Shropshire Telford Stafford Stoke Derby Nottingham Leicester
Lincoln Northampton Coventry Warwick Solihull Walsall Wolverhampton Dudley Sandwell Birmingham Redditch Bromsgrove
Kettering Corby Peterborough Cambridge Ipswich Norwich Colchester Chelmsford Southend Basildon Harlow Stevenage
Watford Hertford Guildford Woking Crawley Brighton Hastings Eastbourne Chichester Portsmouth Southampton
Winchester Basingstoke Salisbury Canterbury Maidstone Medway Dartford Ashford Dover Thanet Tunbridge Sevenoaks
Liverpool Manchester Salford Bolton Bury Oldham Rochdale Stockport Tameside Trafford Wigan Warrington Halton
Knowsley Sefton Wirral Chester Crewe Blackpool Blackburn Burnley Preston Lancaster Carlisle Kendal Barrow Leeds
Bradford Wakefield Kirklees Calderdale Sheffield Rotherham Barnsley Doncaster York Harrogate Scarborough Hull Grimsby
Scunthorpe Durham Darlington Hartlepool Stockton Middlesbrough Redcar Sunderland Gateshead Newcastle Tyneside
Northumberland Cumbria Airedale Bassetlaw Mansfield Ashfield Chesterfield Buxton Macclesfield Congleton Rugby Nuneaton
Tamworth Lichfield Cannock Hinckley Loughborough Melton Grantham Boston Spalding Wisbech Kings Lynn Thetford Bury
Haverhill Sudbury Braintree Epping Dacorum Luton Aylesbury Wycombe Bicester Banbury Didcot Newbury Bracknell Windsor
Maidenhead Yeovil Taunton Bridgwater Weston Frome Poole Bournemouth Weymouth Truro Barnstaple Tiverton""".split()
PLACES = list(dict.fromkeys(PLACES))
COUNTIES = """Kent Surrey Essex Hampshire Devon Norfolk Suffolk Lancashire Cheshire Derbyshire Leicestershire
Lincolnshire Nottinghamshire Staffordshire Warwickshire Worcestershire Oxfordshire Hertfordshire Cambridgeshire
Gloucestershire Somerset Cumbria Durham Northamptonshire Buckinghamshire Berkshire Wiltshire Shropshire""".split()
SURNAMES = """Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White
Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose Davis Rodriguez Cox
Alexander Morgan Moore Martin Price Clark Hughes Harris Allen King Scott Baker Carter Turner Hill Cooper Ward Morris
Parker Bennett Cook Bailey Bell Shaw Murphy Richardson Young Kelly Edwards Collins Stewart Harrison Gray Ellis
Knight Fraser Palmer Lloyd Marshall Hunt Owen Grant Butler Barker Fisher Chapman Dixon Holmes Watson Russell
Webb Mills Graham Pearson Holland Gibson Kennedy Wells Reid Hamilton Ross Simpson Foster Hudson Payne Lawrence
Spencer Hart Ahmed Singh Ali Hussain Begum Shah Chowdhury Rahman Okafor Adeyemi Nowak Kowalski Murray Burton
Atkinson Fletcher Barnes Sutton Dawson Ryan Nicholson Armstrong Porter Hayes Kerr Pearce Newman Hope Sanders""".split()
SECTORS = _items("""Medical Supplies|Healthcare|Care Services|Cleaning Services|Facilities Management|Construction|Building Services
|Consulting|IT Solutions|Software|Technology|Pharmaceuticals|Diagnostics|Transport|Logistics|Catering|Security
|Recruitment|Staffing Solutions|Nursing Agency|Locum Services|Property|Estates|Engineering|Electrical Contractors
|Mechanical Services|Waste Management|Energy|Print|Office Supplies|Furniture|Laundry Services|Ambulance Services
|Home Care|Mental Health Services|Therapy Services|Dental Care|Optical|Imaging|Pathology|Legal Services|Training
|Interpreting Services|Telecom|Networks|Landscapes|Grounds Maintenance|Plumbing & Heating|Lifts|Scaffolding
|Roofing|Highways|Environmental Services|Surgical|Orthopaedics|Medical Equipment|Theatre Services|Homecare
|Community Services|Housing|Supported Living|Fostering Services|Education Services|Translation Services""")
ADJECTIVES = """Premier Apex Allied Central National United Integrated Advanced Pioneer Summit Crown Royal Sterling
Heritage Horizon Evolve Quality Prime Core Vital Elite Capital Unity Meridian Sovereign Northern Southern Eastern
Western Metro Direct Total Complete Primary Bright Clear Green""".split()
CARE_NOUNS = ["Care Home", "Nursing Home", "Lodge", "House", "Court", "Manor", "Gardens"]
# Suppliers every public body pays, as the real files print them (Boots, AAH, NHS Supply Chain, Optum...).
FAMOUS = [
    ("NHS Supply Chain", ""), ("Supply Chain Coordination", "Ltd"), ("Boots UK", "Ltd"),
    ("AAH Pharmaceuticals", "Ltd"), ("Alliance Healthcare (Distribution)", "Ltd"),
    ("Phoenix Healthcare Distribution", "Ltd"), ("Optum Health Solutions (UK)", "Ltd"),
    ("Capita Business Services", "Ltd"), ("Serco", "Ltd"), ("Sodexo", "Ltd"), ("ISS Mediclean", "Ltd"),
    ("Mitie Facilities Services", "Ltd"), ("Kier Construction", "Ltd"), ("BT", "PLC"),
    ("British Telecommunications", "PLC"), ("EDF Energy Customers", "Ltd"), ("British Gas Trading", "Ltd"),
    ("Npower", "Ltd"), ("Insight Direct (UK)", "Ltd"), ("Computacenter (UK)", "Ltd"), ("Cerner", "Ltd"),
    ("System C Healthcare", "Ltd"), ("Allocate Software", "Ltd"), ("Siemens Healthcare", "Ltd"),
    ("Philips Electronics UK", "Ltd"), ("GE Healthcare", "Ltd"), ("Olympus KeyMed", "Ltd"),
    ("Johnson & Johnson Medical", "Ltd"), ("Baxter Healthcare", "Ltd"), ("Fresenius Kabi", "Ltd"),
    ("Synergy Health (UK)", "Ltd"), ("Steris Solutions", "Ltd"), ("Medtronic", "Ltd"), ("B Braun Medical", "Ltd"),
    ("Smith & Nephew Healthcare", "Ltd"), ("Stryker UK", "Ltd"), ("Zimmer Biomet UK", "Ltd"),
    ("Roche Diagnostics", "Ltd"), ("Abbott Laboratories", "Ltd"), ("Beckman Coulter UK", "Ltd"), ("Pfizer", "Ltd"),
    ("Novartis Pharmaceuticals UK", "Ltd"), ("AstraZeneca UK", "Ltd"), ("GlaxoSmithKline UK", "Ltd"),
    ("Bayer", "PLC"), ("Sanofi", ""), ("NHS Property Services", "Ltd"), ("Community Health Partnerships", "Ltd"),
    ("HM Revenue & Customs", ""), ("NHS Pensions", ""), ("NHS Business Services Authority", ""),
    ("NHS Resolution", ""), ("NHS Litigation Authority", ""), ("Health Education England", ""),
    ("Royal Mail Group", "Ltd"), ("Veolia ES (UK)", "Ltd"), ("Biffa Waste Services", "Ltd"), ("SRCL", "Ltd"),
    ("Grundon Waste Management", "Ltd"), ("Atkins", "Ltd"), ("Arcadis Consulting (UK)", "Ltd"), ("Mace", "Ltd"),
    ("Balfour Beatty Group", "Ltd"), ("Morgan Sindall Construction & Infrastructure", "Ltd"),
    ("Willmott Dixon Construction", "Ltd"), ("Amey Community", "Ltd"), ("Interserve Construction", "Ltd"),
    ("Engie Services", "Ltd"), ("G4S Secure Solutions (UK)", "Ltd"), ("OCS Group UK", "Ltd"),
    ("Compass Contract Services (UK)", "Ltd"), ("Deloitte", "LLP"), ("KPMG", "LLP"),
    ("PricewaterhouseCoopers", "LLP"), ("Ernst & Young", "LLP"), ("Grant Thornton UK", "LLP"), ("Mazars", "LLP"),
    ("Hill Dickinson", "LLP"), ("DAC Beachcroft", "LLP"), ("Capsticks Solicitors", "LLP"), ("Bevan Brittan", "LLP"),
    ("Browne Jacobson", "LLP"), ("Hempsons", ""), ("Gardiner & Theobald", "LLP"),
    ("Turner & Townsend Project Management", "Ltd"), ("Agilisys", "Ltd"), ("Daisy Corporate Services Trading", "Ltd"),
    ("Vodafone", "Ltd"), ("Telefonica UK", "Ltd"), ("Microsoft", "Ltd"), ("Oracle Corporation UK", "Ltd"),
    ("Dell Corporation", "Ltd"), ("Softcat", "PLC"), ("Bytes Software Services", "Ltd"), ("Phoenix Software", "Ltd"),
    ("CDW", "Ltd"), ("XMA", "Ltd"), ("Specsavers Hearcare Group", "Ltd"), ("Lloyds Pharmacy", "Ltd"),
    ("Bupa Occupational Health", "Ltd"), ("Care UK Clinical Services", "Ltd"), ("Virgin Care Services", "Ltd"),
    ("HCRG Care Services", "Ltd"), ("Spire Healthcare", "Ltd"), ("Nuffield Health", ""),
    ("Ramsay Health Care UK Operations", "Ltd"), ("Circle Health Group", "Ltd"), ("The Priory Group", "Ltd"),
    ("Cygnet Health Care", "Ltd"), ("Elysium Healthcare", "Ltd"), ("St Andrew's Healthcare", ""),
    ("Kings College London", ""), ("University College London", ""), ("Imperial College London", ""),
    ("London Ambulance Service NHS Trust", ""), ("NHS Blood and Transplant", ""), ("Public Health England", ""),
    ("UK Health Security Agency", ""), ("Thames Water Utilities", "Ltd"), ("Severn Trent Water", "Ltd"),
    ("Anglian Water Services", "Ltd"), ("Total Gas & Power", "Ltd"), ("SSE Energy Supply", "Ltd"),
    ("E.ON Energy Solutions", "Ltd"), ("Hays Specialist Recruitment", "Ltd"), ("Reed Specialist Recruitment", "Ltd"),
    ("Liaison Financial Service", "Ltd"), ("ID Medical Group", "Ltd"), ("Medacs Healthcare", "PLC"),
    ("Pulse Healthcare", "Ltd"), ("Thornbury Nursing Services", "Ltd"), ("Tradebe Healthcare (National)", "Ltd"),
    ("Canon (UK)", "Ltd"), ("Xerox (UK)", "Ltd"), ("Lyreco UK", "Ltd"),
]
NHS_EXPENSE_TYPES = _items("""Drugs|Clinical Supplies & Services|Purchase of Healthcare from NHS Bodies|Purchase of Healthcare
from Non-NHS Bodies|Agency Nursing|Agency Medical Consultant|Premises & Fixed Plant|Computer Hardware|Computer
Software/License Fees|Software Maintenance|Building Lease|Rent|Rates|Utilities - Electricity|Utilities - Gas|Water
and Sewerage|Consultancy Services|Legal Fees|Audit Fees|Pfi Service Charge|Capital Expenditure|Medical and Surgical
Equipment|Laboratory Equipment|Patients Appliances|Dressings|Cleaning Contract|Catering Contract|Security
Services|Waste Disposal|Postage|Printing & Stationery|Training & Education|Contr Other External|C&M-APMS Contract
Value|C&M-GMS Global Sum|Clinical&Medical-Independent Sector|Clinical&Medical-Voluntary Sector|Continuing Care -
Adult|Prescribing|Out of Area Treatments|Mental Health Placements|NHSLA Premium|Pension Administration
Service|Soft Services|Hard FM|Transport & Moving Costs|Maintenance Contracts|Furniture & Fittings""")
NHS_EXPENSE_AREAS = _items("""Pharmacy|Estates|IT|Finance|Corporate Services|Acute Commissioning|Mental Health|Primary Care|
Community Services|Continuing Healthcare|Prescribing|Medicines Management|Capital|Trust Finance|Patient Systems|Risk
Management|Main Theatres|Radiology|Pathology|Emergency Department|Maternity|Paediatrics|Critical Care|Cancer
Services|Cardiology|Outpatients|Divisional areas|Trust-wide|Chelsea Site|Main Site|Facilities|Workforce|Nursing
Directorate|Medical Directorate|Research & Development|Sterile Services|Endoscopy|Orthopaedics|Renal|Dermatology""")
COUNCIL_EXPENSE_TYPES = _items("""Grants|General Contracted Services|Subscriptions|Property Rents/Income|Electricity|Gas|
Water Charges|Rates|Equipment Purchase|Vehicle Hire|Fuel|Printing|Postage|Professional Fees|Legal Costs|Consultants
Fees|Agency Staff|Training|Software Licences|Hardware|Building Repairs|Grounds Maintenance|Highway Maintenance|Waste
Collection|Recycling|Residential Care|Home Care|Supported Living|Direct Payments|Foster Care Payments|Housing Benefit
Overpayments|Temporary Accommodation|Catering|Cleaning|Security|VAT Pro Forma Invoices|Creditors - BACS|AR Refunds
(Sundries & Periodics)|Pitch & Site Rents|Other Miscellaneous Expenses|Developer Contributions""")
COUNCIL_EXPENSE_AREAS = _items("""Adult Social Care|Children's Services|Highways|Waste Management|Housing|Planning|Leisure|
Libraries|Parks and Open Spaces|Environmental Health|Revenues and Benefits|Customer Services|Democratic Services|
Policy, Culture and Communication|Law and Governance|Community Services|Direct Services|General Fund|Suspense|
Regeneration|Public Health|Education|Transport|Corporate Property|Finance|ICT|Human Resources|Trading Standards""")
DEPT_EXPENSE_TYPES = ["Professional Services", "Consultancy", "IT Services", "Grant Payment", "Estates Costs", "Rent",
                      "Research Grants", "Staff Costs", "Travel", "Training", "Legal Services", "Subscriptions",
                      "Accommodation", "Telecommunications", "Contract Services", "Capital Works"]
DEPT_EXPENSE_AREAS = ["Corporate Services", "Finance Directorate", "Digital", "Policy Group", "Operations", "Estates",
                      "Communications", "Research Programmes", "Regional Offices", "Legal Directorate"]
DESCRIPTIONS = ["Monthly charge", "Annual licence", "Quarterly invoice", "Contract payment", "Services rendered",
                "Block contract", "Maintenance", "Supplies", "Consultancy support", "Agency cover", "Utilities",
                "Rental payment", "Refund", "Credit note", "Professional fees"]
MON = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December"]

# --- column templates: (field, header as printed) in real orders -------------------------------------------
# Each header spelling is one header_synonyms.csv accepts (after its normalisation), or one it does not
# know, which the parser keeps as an extra field ('Organisation', 'Their Reference', 'PO Number').
TEMPLATES = {
    "hmt": ("nhs", [("family", "Department Family"), ("entity", "Entity"), ("date", "Date"),
                    ("etype", "Expense Type"), ("earea", "Expense Area"), ("supplier", "Supplier"),
                    ("txn", "Transaction Number"), ("amount", "Amount")]),
    "chwe": ("nhs", [("family", "Department Family"), ("entity", "Entity"), ("date", "Date Paid"),
                     ("etype", "Expense Type"), ("earea", "Expense Area"), ("supplier", "Supplier Name"),
                     ("txn", "Transaction Reference"), ("amount", "amount")]),
    "whit": ("nhs", [("date", "Date"), ("etype", "Expense Type"), ("earea", "Expense Area"), ("supplier", "Supplier"),
                     ("txn", "Transaction Number"), ("amount", " Amount ")]),
    "croy": ("nhs", [("supplier", "Supplier"), ("family", "Department family"), ("date", "Date"),
                     ("earea", "Expense area"), ("etype", "Expense type"), ("txn", "Transaction Number"),
                     ("amount", "amount")]),
    "kgst": ("nhs", [("month", "Month"), ("family", "Department Family"), ("entity", "Entity"), ("date", "Date"),
                     ("etype", "Expense Type"), ("supplier", "Supplier"), ("txn", "Transaction Number"),
                     ("amount", "Amount in Sterling £")]),
    "guys": ("nhs", [("family", "Department family"), ("entity", "Entity"), ("date", "Date of payment"),
                     ("etype", "Expense type"), ("earea", "Expense area"), ("supplier", "Supplier"),
                     ("txn", "Transaction number"), ("amount", "amount")]),
    "lnwu": ("nhs", [("family", "Department Family"), ("entity", "Entity"), ("date", "Date"),
                     ("earea", "Expenses Area"), ("etype", "Expenses Type"), ("supplier", "Supplier"),
                     ("txn", "Transaction Number"), ("their_ref", "Their Reference"), ("amount", "Amount")]),
    "barts": ("nhs", [("date", "Payment Date"), ("txn", "Payment Number"), ("supplier", "Supplier"),
                      ("amount", "Amount"), ("etype", "Expense Type"), ("earea", "Expense Area"),
                      ("desc", "Description"), ("invoice", "Invoice Number")]),
    "ccg": ("nhs", [("entity", "CCG"), ("date", "Date"), ("supplier", "Supplier Name"), ("etype", "Expense Type"),
                    ("earea", "Expense Area"), ("invoice", "Purchase Invoice Number"),
                    ("vat", "VAT Registration Number"), ("amount", "AP Amount (£)")]),
    "vendor": ("nhs", [("entity", "Entity"), ("date", "Payment Date"), ("supplier", "Vendor Name"),
                       ("ccentre", "Cost Centre"), ("etype", "Expense Type"), ("txn", "Transaction ID"),
                       ("amount", "Payment Amount"), ("po", "PO Number")]),
    "oxford14": ("council", [("entity", "Body Name"), ("earea", "Organisational Unit"), ("etype", "Expenditure Category"),
                             ("code", "Expenditure Code"), ("date", "Paid Date"), ("txn", "Trans No"),
                             ("amount", "Amount"), ("captype", "Type"), ("supplier_id", "Supplier ID"),
                             ("supplier", "Supplier Name")]),
    "oxford16": ("council", [("entity", "body_name"), ("earea", "organisational_unit"),
                             ("etype", "expenditure_category"), ("code", "expenditure_code"), ("date", "paid_date"),
                             ("txn", "trans_no"), ("amount", "amount"), ("captype", "caporrev"),
                             ("supplier_id", "supplier_id"), ("supplier", "supplier_name")]),
    "oxford17": ("council", [("entity", "Client"), ("earea", "Service Area"), ("etype", "Expenditure Catergory"),
                             ("code", "Expenditure Code"), ("date", "Paid Date"), ("txn", "Trans No"),
                             ("amount", "Amount"), ("captype", "Type of Expenditure"), ("supplier_id", "Supplier ID"),
                             ("supplier", "Supplier Name")]),
    "lambeth": ("council", [("entity", "Body"), ("family", "Department"), ("supplier", "Supplier Name"),
                            ("date", "Invoice Creation Date"), ("amount", "Invoice Nett Amount"),
                            ("desc", "Subj Description")]),
    "council": ("council", [("entity", "Body Name"), ("date", "Date"), ("earea", "Service Area"),
                            ("etype", "Expense Type"), ("supplier", "Supplier Name"), ("txn", "Transaction Number"),
                            ("amount", "Amount"), ("desc", "Description")]),
    "payee": ("council", [("org", "Organisation"), ("date", "Date Paid"), ("supplier", "Payee Name"),
                          ("earea", "Service Area"), ("etype", "Expenditure Category"), ("txn", "Transaction No"),
                          ("amount", "Amount Paid"), ("ccentre", "Cost Centre")]),
    "bis": ("dept", [("family", "Department"), ("entity", "Entity"), ("date", "Date"), ("etype", "Expense Type"),
                     ("earea", "Expense Area"), ("supplier", "Supplier"), ("txn", "Transaction Number"),
                     ("amount", "Amount"), ("desc", "Description"), ("postcode", "Supplier Post Code"),
                     ("stype", "Supplier Type"), ("contract", "Contract Number"), ("project", "Project Code"),
                     ("captype", "Expenditure Type")]),
    "dept": ("dept", [("family", "Department Family"), ("entity", "Entity"), ("date", "Date"),
                      ("etype", "Expense Type"), ("earea", "Expense Area"), ("supplier", "Supplier"),
                      ("txn", "Transaction Number"), ("amount", "Amount"), ("vat", "VAT Registration Number")]),
}
# Other spellings of the columns a payment needs, as other publishers print them (header_synonyms.csv).
HEADER_VARIANTS = {
    "amount": ["Amount", "amount", "AMOUNT", " Amount ", "Amount (£)", "Amount £", "Amount Paid", "Payment Amount",
               "Amount in Sterling £"],
    "date": ["Date", "Payment Date", "Date Paid", "Paid Date", "Date of Payment", "Paid On", "DATE"],
    "supplier": ["Supplier", "Supplier Name", "Vendor Name", "Payee Name", "Creditor Name", "SUPPLIER", "supplier name"],
    "txn": ["Transaction Number", "Transaction No", "Transaction ID", "Transaction Reference", "Trans No",
            "TRANSACTION NUMBER"],
}
TEMPLATE_GROUPS: dict[str, list[str]] = {}
for _name, (_group, _) in TEMPLATES.items():
    TEMPLATE_GROUPS.setdefault(_group, []).append(_name)

# Date forms seen in the corpus (spend.parse.dates), with how often a publisher uses each.
DATE_FORMS = {"dmy": 0.42, "d_mon_yy": 0.1, "d_MON_yyyy": 0.05, "iso": 0.07, "mdy": 0.08, "dmy_time": 0.06,
              "dmy_nopad": 0.06, "dmy_yy": 0.04, "dmy_dot": 0.03, "d_month_yyyy": 0.03, "serial": 0.02,
              "iso_time": 0.04}
NUMERIC_DATE_FORMS = {"dmy", "mdy", "dmy_time", "dmy_nopad", "dmy_yy", "dmy_dot"}
AMOUNT_FORMS = {"commas": 0.42, "plain": 0.25, "pound": 0.1, "trim": 0.1, "whole_commas": 0.08, "whole": 0.05}


def _weighted(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


# --- suppliers ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Supplier:
    base: str  # 'Harrow Medical Supplies'
    legal: str  # 'Ltd', 'Limited', 'LLP', 'PLC', 'CIC' or ''
    number: str | None  # a company number, for companies
    code: str  # a finance system's supplier code (Kingston prints 'UK0479435601 : ...')


@functools.lru_cache(maxsize=4)
def supplier_pool(seed: int, size: int = 3000) -> tuple[Supplier, ...]:
    """About `size` distinct supplier names: the famous ones every body pays, then made-up companies, GP
    practices, care homes, charities, public bodies, people and redactions."""
    rng = random.Random(f"suppliers:{seed}")
    names: dict[str, Supplier] = {}

    def add(base: str, legal: str, company: bool = True) -> None:
        key = f"{base} {legal}".strip().lower()
        if key in names:
            return
        number = f"{rng.randrange(10**7):08d}" if company and legal in ("Ltd", "Limited", "PLC", "LLP", "CIC") else None
        code = rng.choice(["UK", "UK", "NHS", "WPS"]) + f"{rng.randrange(10**10):010d}"
        names[key] = Supplier(base, legal, number, code)

    for base, legal in FAMOUS:
        add(base, legal)
    legal_forms = {"Ltd": 0.55, "Limited": 0.15, "LLP": 0.04, "PLC": 0.03, "CIC": 0.02, "": 0.21}
    while len(names) < size:
        r = rng.random()
        if r < 0.25:
            add(f"{rng.choice(PLACES)} {rng.choice(SECTORS)}", _weighted(rng, legal_forms))
        elif r < 0.45:
            add(f"{rng.choice(SURNAMES)} {rng.choice(SECTORS)}", _weighted(rng, legal_forms))
        elif r < 0.55:
            add(f"{rng.choice(ADJECTIVES)} {rng.choice(SECTORS)}", _weighted(rng, legal_forms))
        elif r < 0.6:
            add(f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)}", rng.choice(["LLP", "Ltd", ""]))
        elif r < 0.64:
            add("".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice([2, 3, 3, 4])))
                + " " + rng.choice(SECTORS), "Ltd")
        elif r < 0.72:
            place = rng.choice(PLACES)
            add(rng.choice([f"{place} Medical Centre", f"{place} Surgery", f"The {place} Practice",
                            f"{place} Health Centre", f"Dr {rng.choice('ABCDEFGHJKMNPRS')} {rng.choice(SURNAMES)}",
                            f"Dr {rng.choice(SURNAMES)} & Partners", f"{place} Road Surgery"]), "", company=False)
        elif r < 0.78:
            add(f"{rng.choice(SURNAMES + PLACES)} {rng.choice(CARE_NOUNS)}", rng.choice(["Ltd", "", "Limited"]))
        elif r < 0.84:
            place = rng.choice(PLACES)
            add(rng.choice([f"{place} Mind", f"Age UK {place}", f"Citizens Advice {place}", f"{rng.choice(SURNAMES)} Trust",
                            f"{place} Hospice", f"{place} Carers Centre", f"{place} Voluntary Action",
                            f"{place} YMCA"]), rng.choice(["", "", "CIC"]), company=False)
        elif r < 0.9:
            place = rng.choice(PLACES)
            add(rng.choice([f"{place} Hospitals NHS Foundation Trust", f"NHS {place} CCG", f"{place} City Council",
                            f"London Borough of {place}", f"{rng.choice(COUNTIES)} County Council",
                            f"{place} Borough Council", f"{place} Community Healthcare NHS Trust"]), "", company=False)
        elif r < 0.96:
            add(f"{rng.choice(['Mr', 'Mrs', 'Ms', 'Dr', ''])} {rng.choice('ABCDEFGHJKLMNPRSTW')} "
                f"{rng.choice(SURNAMES)}".strip(), "", company=False)
        else:
            add(f"{rng.choice(SURNAMES)} {rng.choice(['Associates', 'Consulting', 'Partnership', 'Group', 'Holdings'])}",
                _weighted(rng, legal_forms))
    pool = list(names.values())
    # People's names paid by councils are published redacted (Oxford: 'Redacted personal data').
    pool += [Supplier(text, "", None, "") for text in ("Redacted personal data", "REDACTED", "Personal Information Redacted")]
    return tuple(pool)


_LEGAL_SPELLINGS = {"Ltd": ["Ltd", "LTD", "Limited", "Ltd.", "LIMITED"], "Limited": ["Limited", "LIMITED", "Ltd", "LTD"],
                    "PLC": ["PLC", "Plc", "plc"], "LLP": ["LLP", "Llp"], "CIC": ["CIC", "C.I.C."], "": [""]}


def print_supplier(s: Supplier, style: dict, rng: random.Random) -> str:
    """A supplier's name as one publisher's finance system prints it."""
    legal = s.legal
    if legal:
        legal = style["legal"] if style["legal"] in _LEGAL_SPELLINGS[legal] and rng.random() < 0.85 \
            else rng.choice(_LEGAL_SPELLINGS[legal])
    name = f"{s.base} {legal}".strip()
    if rng.random() < style["amp_swap"]:
        name = name.replace(" & ", " and ") if " & " in name else name.replace(" and ", " & ")
    if style["brackets"] == "drop":
        name = name.replace("(UK)", "UK").replace("(", "").replace(")", "")
    case = style["case"]
    if case == "upper":
        name = name.upper()
    elif case == "title":
        name = name.title()  # 'Insight Direct (Uk) Ltd', as Whittington prints it
    if style["truncate"] and len(name) > style["truncate"]:
        name = name[:style["truncate"]].rstrip()
    glue = style["glue"]
    if glue == "colon_number" and s.number and rng.random() < 0.7:
        name = f"{name}:{s.number}"  # Guy's and St Thomas': 'KINGS COLLEGE LONDON:03529700'
    elif glue == "space_number" and s.number and rng.random() < 0.5:
        name = f"{name} {s.number.lstrip('0')}"  # 'SIEMENS FINANCIAL 7955539'
    elif glue == "prefix_code" and s.code:
        name = f"{s.code} : {name}"  # Kingston: 'UK0479435601 : Prime Care Solutions (Kingston) Ltd'
    if style["trailing_space"] and rng.random() < 0.3:
        name += " "
    return name


# --- publishers and the plan -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublisherPlan:
    index: int
    slug: str
    name: str
    kind: str  # a registry kind: ccg, trust, council, department, agency
    profile: str  # how its files look: nhs25k, ledger, council500, dept25k
    fmt: str  # the format it mostly publishes in
    style: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class FileSpec:
    index: int
    publisher: PublisherPlan
    year: int
    month: int
    seq: int  # 0 for the month's file; 1, 2... for a second file of the same month
    fmt: str
    seed: int
    original: str | None = None  # a PDF's original, relative to its corpus folder ('realdata-more:NCL/NCL 01 - April.pdf')
    revision: int = 0  # a file published again with changes (the benchmark's changed file)

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _month(k: int) -> tuple[int, int]:
    y, m = divmod(FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1 + k, 12)
    return y, m + 1


def _unique_slug(name: str, taken: set[str]) -> str | None:
    from spend.sources.registry import slug_for

    slug = slug_for(name)
    if slug in taken:
        return None
    taken.add(slug)
    return slug


def make_publishers(seed: int, count: int, mix: dict[str, float]) -> list[PublisherPlan]:
    """`count` bodies: about 84% NHS (CCGs and trusts), 12% councils, 4% central bodies, none with a slug
    of the package registry (a local entry with such a slug would amend a real body)."""
    from spend.sources.registry import load_publishers

    rng = random.Random(f"publishers:{seed}")
    taken = {p.slug for p in load_publishers()}
    out: list[PublisherPlan] = []
    kinds = {"ccg": 0.42, "trust": 0.42, "council": 0.12, "department": 0.02, "agency": 0.02}
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > count * 200:
            raise SystemExit(f"cannot make {count} distinct publisher names; ask for fewer")
        kind = _weighted(rng, kinds)
        place, other = rng.choice(PLACES), rng.choice(PLACES)
        if kind == "ccg":
            name = rng.choice([f"NHS {place} CCG", f"NHS {place} and {other} CCG", f"NHS North {place} CCG",
                               f"NHS South {place} CCG", f"NHS {place} Clinical Commissioning Group"])
        elif kind == "trust":
            name = rng.choice([f"{place} Hospitals NHS Foundation Trust", f"{place} University Hospitals NHS Trust",
                               f"{place} Healthcare NHS Trust", f"{place} Community Healthcare NHS Trust",
                               f"{place} and {other} NHS Foundation Trust", f"{place} Partnership NHS Foundation Trust",
                               f"{place} Teaching Hospitals NHS Trust", f"{place} Mental Health NHS Trust"])
        elif kind == "council":
            name = rng.choice([f"{place} City Council", f"{place} Borough Council", f"{place} District Council",
                               f"{rng.choice(COUNTIES)} County Council", f"London Borough of {place}",
                               f"Royal Borough of {place}"])
        elif kind == "department":
            name = f"Office for {rng.choice(['Rural', 'Coastal', 'Regional', 'Urban', 'Northern', 'Southern'])} " \
                   f"{rng.choice(['Affairs', 'Growth', 'Transport', 'Skills', 'Housing', 'Standards', 'Innovation'])}"
        else:
            name = f"{rng.choice(['National', 'Regional', 'Marine', 'Land', 'Rural', 'Digital'])} " \
                   f"{rng.choice(['Licensing', 'Records', 'Inspection', 'Payments', 'Standards', 'Grants'])} Agency"
        slug = _unique_slug(name, taken)
        if slug is None:
            continue
        if kind == "council":
            profile = "council500"
        elif kind in ("department", "agency"):
            profile = "dept25k"
        else:
            profile = "ledger" if kind == "trust" and rng.random() < 0.03 else "nhs25k"
        fmt = _weighted(rng, mix)
        out.append(PublisherPlan(len(out), slug, name, kind, profile, fmt, _house_style(rng, kind, profile)))
    return out


def _house_style(rng: random.Random, kind: str, profile: str) -> dict:
    group = {"council": "council", "department": "dept", "agency": "dept"}.get(kind, "nhs")
    templates = TEMPLATE_GROUPS[group]
    return {
        "template": rng.choice(templates),
        "date": _weighted(rng, DATE_FORMS),
        "amount": _weighted(rng, AMOUNT_FORMS),
        "negative": rng.choices(["minus", "brackets", "pound_minus", "trailing_minus", "cr"], [0.6, 0.25, 0.07, 0.04, 0.04])[0],
        "encoding": rng.choices(["utf-8", "utf-8-sig", "cp1252"], [0.55, 0.2, 0.25])[0],
        "newline": rng.choice(["\r\n", "\r\n", "\n"]),
        "quote_all": rng.random() < 0.15,
        "preamble": rng.random() < (0.9 if profile == "council500" else 0.2),
        "totals_row": rng.random() < 0.15,
        "blank_tail": rng.random() < 0.15,
        "sort": rng.choice(["none", "date", "supplier", "amount"]),
        "days": rng.choices(["spread", "month_end", "pay_runs"], [0.55, 0.25, 0.2])[0],
        "case": rng.choices(["asis", "upper", "title"], [0.5, 0.35, 0.15])[0],
        "legal": rng.choice(["Ltd", "LTD", "Limited", "LIMITED", "Ltd."]),
        "amp_swap": rng.choice([0.0, 0.0, 0.1, 0.3]),
        "brackets": rng.choice(["keep", "keep", "drop"]),
        "truncate": rng.choice([None] * 8 + [30, 35]),
        "glue": rng.choices([None, "colon_number", "space_number", "prefix_code"], [0.8, 0.07, 0.05, 0.08])[0],
        "trailing_space": rng.random() < 0.1,
        "txn": rng.choices(["digits", "suffix", "dash", "id", "prefix"], [0.6, 0.1, 0.1, 0.1, 0.1])[0],
        "txn_blank": rng.random() < 0.05,
        "entity_upper": rng.random() < 0.3,
        "header_case": rng.choices(["asis", "upper", "lower"], [0.8, 0.12, 0.08])[0],
        "header_swap": rng.random() < 0.3,  # uses other spellings of the needed columns
        "xlsx_blank_col": rng.random() < 0.2,
        "xlsx_text_amounts": rng.random() < 0.15,
        "xlsx_text_dates": rng.random() < 0.15,
        "xlsx_extra_sheets": rng.random() < 0.3,
        "sheet": rng.choice(["Sheet1", "Data", "Final Review ", "month", "Transparency", "Report"]),
        "rows_median": {"nhs25k": rng.choice([60, 120, 200, 300, 450]), "ledger": rng.choice([3000, 6000, 9000]),
                        "council500": rng.choice([500, 900, 1400, 2200]), "dept25k": rng.choice([80, 200, 500, 900])}[profile],
        "name_pattern": rng.randrange(5),
        "book": {"nhs25k": rng.randint(120, 450), "ledger": rng.randint(800, 1600), "council500": rng.randint(400, 1200),
                 "dept25k": rng.randint(80, 300)}[profile],
    }


@dataclass(frozen=True)
class Original:
    """A real PDF reused as it is (bytes made distinct), with its figures."""

    key: str  # 'realdata-more:NCL/NCL 01 - April.pdf'
    path: str
    period: str  # the month it covers
    rows: int | None = None
    total_pence: int | None = None
    first: str | None = None
    last: str | None = None
    expected_from: str | None = None


def find_originals(realdata: Path | None, realdata_more: Path | None) -> list[Original]:
    """The real PDFs: ../shared/realdata-more's with their EXPECTED.csv figures, and ../shared/realdata's
    NHS PDFs (figures filled in later from `spend parse` of the original, `figures_for`)."""
    from spend.core.periods import infer_period

    out = []
    if realdata_more and (realdata_more / "nhs-london-2020-21" / "EXPECTED.csv").is_file():
        folder = realdata_more / "nhs-london-2020-21"
        with open(folder / "EXPECTED.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["file"].lower().endswith(".pdf"):
                    period = infer_period(row["file"].split("/")[-1], ["nhs-london-2020-21"])
                    out.append(Original(f"realdata-more:{row['file']}", str(folder / row["file"]),
                                        period.label if period else "2020-04", int(row["rows"]),
                                        int(Decimal(row["total_gbp"]) * 100), row["date_min"], row["date_max"],
                                        "EXPECTED.csv"))
    if realdata and (realdata / "nhs-london-2020-21").is_dir():
        folder = realdata / "nhs-london-2020-21"
        for p in sorted(folder.glob("NWH*/*.pdf")):
            period = infer_period(p.name, ["nhs-london-2020-21"])
            out.append(Original(f"realdata:{p.relative_to(folder).as_posix()}", str(p),
                                period.label if period else "2020-04"))
    return out


def figures_for(original: Original) -> Original:
    """An original without independent figures: those of `spend parse` of the original file."""
    if original.rows is not None:
        return original
    from spend.parse import parse_file

    result = parse_file(original.path)
    dates = result.payments["payment_date"].dropna()
    return replace(original, rows=result.report.rows_kept, total_pence=result.report.total_pence,
                   first=min(dates).isoformat(), last=max(dates).isoformat(), expected_from="spend parse of the original")


def make_plan(seed: int, files: int, publishers: int, mix: dict[str, float],
              originals: list[Original]) -> tuple[list[PublisherPlan], list[FileSpec]]:
    """Who publishes which file, when and in what format. Deterministic for the arguments."""
    if not originals:
        mix = {k: v for k, v in mix.items() if k != "pdf"}
    total = sum(mix.values())
    mix = {k: v / total for k, v in mix.items() if v > 0}
    pubs = make_publishers(seed, publishers, mix)
    rng = np.random.default_rng([seed, 7])
    active = min(files, len(pubs))
    chosen = sorted(rng.choice(len(pubs), size=active, replace=False).tolist())
    weights = rng.lognormal(0.0, 0.6, size=active)
    counts = np.ones(active, dtype=np.int64) + rng.multinomial(files - active, weights / weights.sum())
    prng = random.Random(f"plan:{seed}")
    specs: list[FileSpec] = []
    by_format = Counter()
    for pub_index, k in zip(chosen, counts.tolist()):
        pub = pubs[pub_index]
        start = prng.randrange(0, MONTHS - min(k, MONTHS) + 1)
        for j in range(k):
            fmt = pub.fmt if prng.random() > 0.08 else prng.choices(list(mix), list(mix.values()))[0]
            y, m = _month(start + j % MONTHS)
            specs.append(FileSpec(len(specs), pub, y, m, j // MONTHS, fmt, seed))
            by_format[fmt] += 1
    # Every format asked for appears at least once (a small test corpus needs them all).
    missing = [f for f in mix if by_format[f] == 0]
    if missing and len(specs) >= len(mix):
        targets = prng.sample(range(len(specs)), len(specs))
        for fmt in missing:
            for t in targets:
                if by_format[specs[t].fmt] > 1:
                    by_format[specs[t].fmt] -= 1
                    specs[t] = replace(specs[t], fmt=fmt)
                    by_format[fmt] += 1
                    break
    return pubs, _place_pdfs(specs, originals, prng)


def _place_pdfs(specs: list[FileSpec], originals: list[Original], prng: random.Random) -> list[FileSpec]:
    """A PDF file is a real PDF: each publisher takes each original at most once (the same file twice from
    one body would be a republication), filed under the month it covers; with none left, a CSV instead."""
    used: dict[str, set[str]] = {}
    out = []
    for s in specs:
        if s.fmt == "pdf":
            seen = used.setdefault(s.publisher.slug, set())
            left = [o for o in originals if o.key not in seen]
            if left:
                o = prng.choice(left)
                seen.add(o.key)
                y, m = map(int, o.period.split("-"))
                s = replace(s, original=o.key, year=y, month=m)
            else:
                s = replace(s, fmt="csv")
        out.append(s)
    # Two files of one body in one month are told apart by `seq`.
    seen_months: Counter = Counter()
    final = []
    for s in out:
        key = (s.publisher.slug, s.period)
        final.append(replace(s, seq=seen_months[key]))
        seen_months[key] += 1
    return final


# --- one file's rows ----------------------------------------------------------------------------------------

_PROFILES = {  # (median pounds above the floor, sigma, floor pounds, share of small lines, row clip)
    "nhs25k": (35_000, 1.2, 25_000, 0.12, (10, 3000)),
    "ledger": (300, 1.6, 0, 0.0, (1500, 14000)),
    "council500": (1_500, 1.3, 500, 0.05, (50, 6000)),
    "dept25k": (40_000, 1.2, 25_000, 0.08, (10, 5000)),
}


@dataclass
class Payment:
    date: dt.date
    pence: int
    supplier: str
    etype: str
    earea: str
    txn: str
    txn_number: int
    extra: dict


def _payments(spec: FileSpec) -> list[Payment]:
    """The payments of one generated file, in the order they are printed."""
    pub, style = spec.publisher, spec.publisher.style
    rng = np.random.default_rng([spec.seed, 11, spec.index])
    prng = random.Random(f"file:{spec.seed}:{spec.index}")
    median, sigma, floor, small_share, (lo, hi) = _PROFILES[pub.profile]
    n = int(np.clip(round(rng.lognormal(math.log(style["rows_median"]), 0.5)), lo, hi))

    pool = supplier_pool(spec.seed)
    book, book_weights = _book(spec.seed, pub.index, style["book"], pub.profile)
    who = book[rng.choice(len(book), size=n, p=book_weights)]

    pounds = rng.lognormal(math.log(median), sigma, size=n)
    small = rng.random(n) < small_share
    pounds = np.where(small, rng.lognormal(math.log(2500), 1.3, size=n), pounds + floor)
    pence = np.clip(np.round(pounds * 100), 1, 250_000_000_00).astype(np.int64)
    if style["amount"] in ("whole", "whole_commas"):
        pence = np.maximum(pence // 100, 1) * 100
    negative = rng.random(n) < 0.02
    pence = np.where(negative, -pence, pence)

    y, m = spec.year, spec.month
    last_day = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    if style["days"] == "month_end":
        days = np.full(n, last_day)
    elif style["days"] == "pay_runs":
        runs = np.array(sorted(prng.sample(range(1, last_day + 1), 4)))
        days = runs[rng.integers(0, len(runs), size=n)]
    else:
        days = rng.integers(1, last_day + 1, size=n)
    earlier = rng.random(n) < 0.02  # a few lines paid in the month before (Kingston's June lines in August)
    first_of_month = dt.date(y, m, 1)
    dates = [(first_of_month - dt.timedelta(days=int(d))) if e else first_of_month.replace(day=int(d))
             for d, e in zip(days, earlier)]
    if style["date"] in NUMERIC_DATE_FORMS and not any(d.day > 12 for d in dates):
        dates[0] = first_of_month.replace(day=last_day)  # order evidence, as every real file has

    group = TEMPLATES[style["template"]][0]
    etypes = {"nhs": NHS_EXPENSE_TYPES, "council": COUNCIL_EXPENSE_TYPES, "dept": DEPT_EXPENSE_TYPES}[group]
    eareas = {"nhs": NHS_EXPENSE_AREAS, "council": COUNCIL_EXPENSE_AREAS, "dept": DEPT_EXPENSE_AREAS}[group]
    et = rng.integers(0, len(etypes), size=n)
    ea = rng.integers(0, len(eareas), size=n)
    base = 1_000_000 + pub.index * 1_000_000 + (spec.year * 12 + spec.month) * 2_000 + spec.seq * 700
    steps = rng.integers(1, 4, size=n)
    split = rng.random(n) < 0.05  # one payment over several lines sharing a transaction number
    numbers, current = [], base
    for k in range(n):
        if not (split[k] and k):
            current += int(steps[k])
        numbers.append(current)
    names = {}
    out = []
    for k in range(n):
        s = int(who[k])
        if s not in names:
            names[s] = print_supplier(pool[s], style, prng)
        out.append(Payment(dates[k], int(pence[k]), names[s], etypes[et[k]], eareas[ea[k]], "", numbers[k], {}))
    if spec.revision:  # republished with changes: some amounts corrected, one line added
        rev = random.Random(f"revision:{spec.seed}:{spec.index}:{spec.revision}")
        for p in rev.sample(out, min(3, len(out))):
            p.pence += rev.choice([-1, 1]) * rev.randrange(100, 100_000)
            p.pence = p.pence or 100
        extra = replace(out[-1]) if out else None
        if extra is not None:
            extra.txn_number += 1
            extra.pence = rev.randrange(2_500_000, 9_000_000)
            out.append(extra)
    key = {"date": lambda p: p.date, "supplier": lambda p: p.supplier.lower(), "amount": lambda p: -p.pence}.get(style["sort"])
    if key:
        out.sort(key=key)
    for p in out:
        p.txn = _txn_text(p.txn_number, style["txn"], prng)
    if style["txn_blank"] and out:
        out[prng.randrange(len(out))].txn = ""  # Whittington's NHSLA line has no transaction number
    return out


@functools.lru_cache(maxsize=1024)
def _book(seed: int, pub_index: int, size: int, profile: str):
    """The suppliers a body pays (indices into the pool) and how often: the famous ones are everyone's."""
    pool = supplier_pool(seed)
    rng = np.random.default_rng([seed, 3, pub_index])
    ranks = np.arange(1, len(pool) + 1, dtype=float)
    popularity = 1.0 / ranks ** 0.6
    if profile != "council500":  # redactions are councils' (people paid for care, grants)
        popularity[-3:] = 0
    popularity /= popularity.sum()
    book = rng.choice(len(pool), size=min(size, len(pool) - 3), replace=False, p=popularity)
    weights = 1.0 / np.arange(1, len(book) + 1) ** 0.9
    return book, weights / weights.sum()


def _txn_text(n: int, style: str, rng: random.Random) -> str:
    if style == "suffix":
        return f"{n}_{rng.randint(1, 3)}"  # Oxford 2014: '46279931_1'
    if style == "dash":
        return f"{n} - {rng.randint(0, 3)}"  # Oxford 2017: '1034526 - 2'
    if style == "id":
        return f"id:{n}" + " " * rng.randint(1, 3)  # Guy's: 'id:13288096   '
    if style == "prefix":
        return f"INV{n}"
    return str(n)


def format_date(d: dt.date, form: str) -> str:
    if form == "dmy":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if form == "d_mon_yy":
        return f"{d.day:02d}-{MON[d.month]}-{d.year % 100:02d}"
    if form == "d_MON_yyyy":
        return f"{d.day:02d}-{MON[d.month].upper()}-{d.year}"
    if form == "iso":
        return d.isoformat()
    if form == "iso_time":
        return f"{d.isoformat()} 00:00:00"
    if form == "mdy":
        return f"{d.month}/{d.day}/{d.year}"
    if form == "dmy_time":
        return f"{d.day:02d}/{d.month:02d}/{d.year} 00:00:00"
    if form == "dmy_nopad":
        return f"{d.day}/{d.month}/{d.year}"
    if form == "dmy_yy":
        return f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}"
    if form == "dmy_dot":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if form == "d_month_yyyy":
        return f"{d.day} {MONTH[d.month]} {d.year}"
    if form == "serial":
        return str((d - dt.date(1899, 12, 30)).days)
    raise ValueError(form)


def format_amount(pence: int, form: str, negative: str) -> str:
    """Integer pence as the publisher prints them; never through a float."""
    pounds, p = divmod(abs(pence), 100)
    if form == "commas":
        body = f"{pounds:,}.{p:02d}"
    elif form == "plain":
        body = f"{pounds}.{p:02d}"
    elif form == "pound":
        body = f"£{pounds:,}.{p:02d}"
    elif form == "trim":  # Redbridge: '35261.9', '3532.21', '3.17'
        body = f"{pounds}.{p:02d}".rstrip("0").rstrip(".")
    elif form == "whole_commas":  # Croydon: '77,041' (amounts in whole pounds)
        body = f"{pounds:,}"
    elif form == "whole":
        body = str(pounds)
    else:
        raise ValueError(form)
    if pence >= 0:
        return body
    if negative == "brackets":
        return f"({body})"
    if negative == "pound_minus" and body.startswith("£"):
        return f"-{body}"
    if negative == "trailing_minus":
        return f"{body}-"
    if negative == "cr":
        return f"{body}CR"
    return f"-{body}"


# --- writing ------------------------------------------------------------------------------------------------

def _columns(spec: FileSpec, prng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """The file's template and header: the publisher's, changed now and then (real headers change between
    months), with other spellings of the needed columns where the publisher uses them."""
    style = spec.publisher.style
    template = style["template"]
    if prng.random() < 0.15:
        template = prng.choice(TEMPLATE_GROUPS[TEMPLATES[template][0]])
    cols = list(TEMPLATES[template][1])
    if style["header_swap"] or prng.random() < 0.1:
        hrng = random.Random(f"header:{spec.seed}:{spec.publisher.index}:{template}")
        cols = [(f, hrng.choice(HEADER_VARIANTS[f]) if f in HEADER_VARIANTS and hrng.random() < 0.5 else h)
                for f, h in cols]
    case = style["header_case"]
    if case == "upper":
        cols = [(f, h.upper()) for f, h in cols]
    elif case == "lower":
        cols = [(f, h.lower()) for f, h in cols]
    return template, cols


def _cell(field_name: str, p: Payment, spec: FileSpec, entity: str, date_text: str, amount_text: str) -> str:
    if field_name == "date":
        return date_text
    if field_name == "amount":
        return amount_text
    if field_name == "supplier":
        return p.supplier
    if field_name == "txn":
        return p.txn
    if field_name == "etype":
        return p.etype
    if field_name == "earea":
        return p.earea
    if field_name == "entity":
        return entity
    if field_name == "family":
        if spec.publisher.profile == "council500":
            return p.earea  # Lambeth's 'Department' names the council's own department
        return "Department of Health and Social Care" if spec.year >= 2018 else "Department of Health"
    if field_name == "month":
        return f"{MON[spec.month]}-{spec.year % 100:02d}"
    if field_name == "org":
        return entity
    n = p.txn_number
    return {
        "desc": DESCRIPTIONS[n % len(DESCRIPTIONS)], "invoice": f"INV-{n % 1_000_000:06d}",
        "vat": f"GB{(n * 7919) % 10**9:09d}", "ccentre": f"CC{n % 9000 + 1000}", "po": f"PO{n % 10**7:07d}",
        "their_ref": str(n % 10**7), "code": f"{'DKZ'[n % 3]}{n % 9000 + 1000}", "captype": "Revenue" if n % 9 else "Capital",
        "supplier_id": f"2000{n % 10**6:06d}", "postcode": f"SW{n % 20 + 1} {n % 9 + 1}AA",
        "stype": "Company" if n % 5 else "Other", "contract": f"CON{n % 10**5:05d}", "project": f"P{n % 900 + 100}",
    }.get(field_name, "")


def _entity(spec: FileSpec) -> str:
    return spec.publisher.name.upper() if spec.publisher.style["entity_upper"] else spec.publisher.name


def _file_name(spec: FileSpec, ext: str) -> str:
    pub, y, m = spec.publisher, spec.year, spec.month
    pattern = pub.style["name_pattern"]
    short = "".join(w[0] for w in pub.name.split() if w[0].isalpha()).upper()[:5]
    financial = m - 3 if m >= 4 else m + 9
    threshold = "500" if pub.profile == "council500" else "25k"
    name = [f"{short} {financial:02d} - {MONTH[m]}", f"Spend over {threshold} {MONTH[m]} {y}",
            f"{pub.slug}-{y}-{m:02d}", f"Transparency_Report_{MON[m]}_{y}",
            f"expenditure-over-{threshold}-{MON[m].lower()}-{y}"][pattern]
    if spec.seq:
        name += f" ({spec.seq + 1})"
    return f"{name}.{ext}"


def _preamble(spec: FileSpec, template: str, ncols: int) -> list[list[str]]:
    if template == "lambeth":  # Lambeth's report parameters above the header on line 10
        y, m = spec.year, spec.month
        rows = [[f"{spec.publisher.name} Invoices Over Specified Nett Amount"], [],
                [f"Report Date:\u2020 {format_date(dt.date(y, m, 1) + dt.timedelta(days=35), 'dmy')}\u2020 16:59:18"], [],
                ["Parameters: "], [f"Invoice Approval Date From:\u2020 01-{MON[m].upper()}-{y}"],
                [f"Invoice Approval Date To:\u2020\u2020 28-{MON[m].upper()}-{y}"], ["Invoice Threshold Nett Amt:\u2020 500"], []]
        return [r + [""] * (ncols - len(r)) for r in rows]
    if not spec.publisher.style["preamble"]:
        return []
    threshold = "£500" if spec.publisher.profile == "council500" else "£25,000"
    return [[spec.publisher.name], [f"Expenditure over {threshold} - {MONTH[spec.month]} {spec.year}"], []]


def write_csv(spec: FileSpec) -> tuple[bytes, dict]:
    style = spec.publisher.style
    prng = random.Random(f"csv:{spec.seed}:{spec.index}")
    payments = _payments(spec)
    template, cols = _columns(spec, prng)
    date_form = style["date"] if prng.random() > 0.1 else _weighted(prng, DATE_FORMS)
    if date_form in NUMERIC_DATE_FORMS and not any(p.date.day > 12 for p in payments):
        date_form = "d_mon_yy"  # a numeric form needs a day over 12 to show its order
    amount_form = style["amount"]
    if amount_form in ("whole", "whole_commas") and any(p.pence % 100 for p in payments):
        amount_form = "commas"  # a revision's corrections carry pence
    encoding = style["encoding"] if prng.random() > 0.1 else prng.choice(["utf-8", "cp1252"])
    entity = _entity(spec)
    dates = {d: format_date(d, date_form) for d in {p.date for p in payments}}
    fields = [f for f, _ in cols]
    rows = [[h for _, h in cols]]
    for p in payments:
        amount = format_amount(p.pence, amount_form, style["negative"])
        rows.append([_cell(f, p, spec, entity, dates[p.date], amount) for f in fields])
    total = sum(p.pence for p in payments)
    tail = []
    if style["totals_row"] and len(payments) > 1:
        row = [""] * len(cols)
        if "txn" in fields and prng.random() < 0.5:
            row[fields.index("txn")] = "Sum:"  # London North West: 'Sum:' in the transaction column
        else:
            row[fields.index("supplier")] = prng.choice(["Total", "TOTAL", "Grand Total"])
        row[fields.index("amount")] = format_amount(total, amount_form, style["negative"])
        tail.append(row)
    if style["blank_tail"]:
        tail += [[""] * len(cols) for _ in range(prng.randint(1, 3))]
    pre = _preamble(spec, template, len(cols))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=style["newline"],
                        quoting=csv.QUOTE_ALL if style["quote_all"] else csv.QUOTE_MINIMAL)
    writer.writerows(pre)
    writer.writerows(rows)
    writer.writerows(tail)
    text = buf.getvalue()
    data = text.encode("utf-8-sig" if encoding == "utf-8-sig" else encoding, errors="replace")
    return data, _figures(payments, {"encoding": encoding, "header_line": len(pre), "delimiter": ","})


def _figures(payments: list[Payment], extra: dict) -> dict:
    dates = [p.date for p in payments]
    total = sum(p.pence for p in payments)
    return {"rows": len(payments), "total_pence": total, "first_payment_date": min(dates).isoformat(),
            "last_payment_date": max(dates).isoformat(), **extra}


_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_zip(data: bytes) -> bytes:
    """An XLSX with fixed times (openpyxl stamps the zip entries and docProps/core.xml with the time of
    writing), so the same arguments give the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIME.sub(rb"\g<1>2020-01-01T00:00:00Z\g<2>", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME), body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_xlsx(spec: FileSpec) -> tuple[bytes, dict]:
    from openpyxl import Workbook

    style = spec.publisher.style
    prng = random.Random(f"xlsx:{spec.seed}:{spec.index}")
    payments = _payments(spec)
    template, cols = _columns(spec, prng)
    fields = [f for f, _ in cols]
    entity = _entity(spec)
    text_dates, text_amounts = style["xlsx_text_dates"], style["xlsx_text_amounts"]
    date_form = style["date"]
    if date_form in NUMERIC_DATE_FORMS and not any(p.date.day > 12 for p in payments):
        date_form = "d_mon_yy"  # a numeric form needs a day over 12 to show its order
    pad = [None] if style["xlsx_blank_col"] else []  # Barts Health: column A left blank
    wb = Workbook(write_only=True)
    sheet = style["sheet"] if style["sheet"] != "month" else f"{MONTH[spec.month]} {spec.year}"
    ws = wb.create_sheet(sheet)
    for row in _preamble(spec, template, len(cols)):
        ws.append(pad + [c or None for c in row])
    ws.append(pad + [h for _, h in cols])
    for p in payments:
        cells = []
        for f in fields:
            if f == "date":
                cells.append(format_date(p.date, date_form) if text_dates else p.date)
            elif f == "amount":
                if text_amounts:
                    cells.append(format_amount(p.pence, "commas", style["negative"]))
                else:  # an Excel number: whole pounds as an integer, else the float nearest the pence
                    cells.append(p.pence // 100 if p.pence % 100 == 0 else p.pence / 100)
            elif f == "txn" and p.txn.isdigit():
                cells.append(int(p.txn))
            else:
                cells.append(_cell(f, p, spec, entity, "", "") or None)
        ws.append(pad + cells)
    total = sum(p.pence for p in payments)
    if style["totals_row"] and len(payments) > 1:
        row = [None] * len(cols)
        row[fields.index("supplier")] = "Total"
        row[fields.index("amount")] = format_amount(total, "commas", "minus") if text_amounts else (
            total // 100 if total % 100 == 0 else total / 100)
        ws.append(pad + row)
    if style["xlsx_extra_sheets"]:  # North Middlesex: empty extra sheets
        wb.create_sheet("Sheet2")
        wb.create_sheet("Sheet3")
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue()), _figures(payments, {"encoding": None, "header_line": len(_preamble(spec, template, len(cols))),
                                                           "delimiter": None})


@functools.lru_cache(maxsize=64)
def _original_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def write_pdf(spec: FileSpec, original: Original) -> tuple[bytes, dict]:
    # A comment after %%EOF: readers ignore it; the bytes, and so the parse cache's key, differ.
    data = _original_bytes(original.path) + f"\n% spend benchmark copy {spec.seed}-{spec.index}-{spec.revision}\n".encode()
    return data, {"rows": original.rows, "total_pence": original.total_pence, "first_payment_date": original.first,
                  "last_payment_date": original.last, "expected_from": original.expected_from,
                  "original": original.key, "encoding": None, "header_line": None, "delimiter": None}


def _relative(spec: FileSpec) -> str:
    ext = spec.fmt
    return f"spend/{spec.publisher.slug}/{spec.period}/{_file_name(spec, ext)}"


def _record(spec: FileSpec, rel: str, data: bytes, sha: str) -> dict:
    """A provenance record like `spend fetch` writes (spend.sources.download), on a host that cannot exist."""
    name = rel.rsplit("/", 1)[-1]
    y, m = spec.year, spec.month
    fetched = dt.datetime(y + (m == 12), m % 12 + 1, 1, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(
        days=14 + spec.index % 28, minutes=spec.revision * 7)
    host = f"{spec.publisher.slug}.example.invalid"
    return {
        "url": f"https://{host}/spend/{spec.period}/{quote(name)}", "final_url": None,
        "landing_page": f"https://{host}/spend", "source_page": f"https://{host}/spend", "link_text": name,
        "publisher": spec.publisher.slug, "period": spec.period, "fetched_at": fetched.isoformat(timespec="seconds"),
        "http_status": 200, "content_type": {"csv": "text/csv", "pdf": "application/pdf"}.get(
            spec.fmt, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "size": len(data), "sha256": sha, "etag": None, "last_modified": None, "format": spec.fmt, "file_name": name,
        "generated_by": "benchmarks/generate_corpus.py",
    }


_ORIGINALS: dict[str, Original] = {}


def _init_worker(originals: dict[str, Original]) -> None:
    _ORIGINALS.clear()
    _ORIGINALS.update(originals)


def write_file(spec: FileSpec, out: str) -> dict:
    """Write one file and its provenance record under `out`/raw; return its manifest row."""
    if spec.fmt == "csv":
        data, figures = write_csv(spec)
    elif spec.fmt == "xlsx":
        data, figures = write_xlsx(spec)
    else:
        data, figures = write_pdf(spec, _ORIGINALS[spec.original])
    rel = _relative(spec)
    path = Path(out) / "raw" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    record = _record(spec, rel, data, sha)
    path.with_name(path.name + ".meta.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                                                       encoding="utf-8")
    total = figures["total_pence"]
    row = {"file": rel, "publisher_id": spec.publisher.slug, "period": spec.period, "format": spec.fmt,
           "rows": figures["rows"], "total_pence": total, "total_gbp": f"{Decimal(total) / 100:.2f}",
           "first_payment_date": figures["first_payment_date"], "last_payment_date": figures["last_payment_date"],
           "sha256": sha, "size": len(data), "expected_from": figures.get("expected_from") or "generated",
           "encoding": figures.get("encoding"), "header_line": figures.get("header_line"),
           "delimiter": figures.get("delimiter"), "original": figures.get("original")}
    return row


def _write_task(args) -> dict:
    return write_file(*args)


# --- the corpus ----------------------------------------------------------------------------------------------

def parse_mix(text: str | None) -> dict[str, float]:
    if not text:
        return dict(DEFAULT_MIX)
    mix = {}
    for part in text.split(","):
        fmt, _, share = part.partition("=")
        if fmt.strip() not in DEFAULT_MIX:
            raise SystemExit(f"--mix: unknown format {fmt!r} (csv, xlsx, pdf)")
        mix[fmt.strip()] = float(share)
    return mix


def _registry_text(pubs: list[PublisherPlan]) -> str:
    import yaml

    entries = [{"slug": p.slug, "name": p.name, "kind": p.kind,
                "notes": "A made-up body of the benchmark corpus (benchmarks/generate_corpus.py)."} for p in pubs]
    return ("# The publishers of a generated benchmark corpus (benchmarks/generate_corpus.py): made-up bodies,\n"
            "# read with the package registry by every spend command run on this data folder.\n\n"
            + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100))


def _originals(args_realdata: Path | None, args_more: Path | None, use: bool) -> list[Original]:
    if not use:
        return []
    from spend.core.config import realdata_dir, realdata_more_dir

    realdata = args_realdata or realdata_dir()
    more = args_more or realdata_more_dir()
    return find_originals(realdata if realdata.is_dir() else None, more if more.is_dir() else None)


def _params(files: int, seed: int, publishers: int, mix: dict[str, float]) -> dict:
    return {"generator_version": GENERATOR_VERSION, "files": files, "seed": seed, "publishers": publishers,
            "mix": mix}


def generate_corpus(out: str | Path, files: int, *, seed: int = 1, publishers: int = 500,
                    mix: dict[str, float] | None = None, workers: int | None = None, realdata: Path | None = None,
                    realdata_more: Path | None = None, progress: bool = False) -> dict:
    """Write the corpus into `out` (which must not hold raw files yet); return a summary."""
    started = time.perf_counter()
    out = Path(out)
    mix = dict(mix or DEFAULT_MIX)
    if (out / "raw" / "spend").exists():
        raise SystemExit(f"{out / 'raw' / 'spend'} already exists: give an empty folder")
    found = _originals(realdata, realdata_more, mix.get("pdf", 0) > 0)
    if mix.get("pdf", 0) > 0 and not found:
        print("no real PDFs found (../shared/realdata, ../shared/realdata-more): writing CSV and XLSX only",
              file=sys.stderr)
    pubs, specs = make_plan(seed, files, publishers, mix, found)
    wanted = {s.original for s in specs if s.original}
    originals = {o.key: figures_for(o) for o in found if o.key in wanted}
    out.mkdir(parents=True, exist_ok=True)
    (out / "publishers.yaml").write_text(_registry_text(pubs), encoding="utf-8")
    tasks = [(s, str(out)) for s in specs]
    rows = []
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        _init_worker(originals)
        rows = [_write_task(t) for t in tasks]
    else:
        with Pool(workers, initializer=_init_worker, initargs=(originals,)) as pool:
            for i, row in enumerate(pool.imap(_write_task, tasks, chunksize=8), 1):
                rows.append(row)
                if progress and i % 1000 == 0:
                    print(f"  {i:,} files written ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    duplicates = [sha for sha, k in Counter(r["sha256"] for r in rows).items() if k > 1]
    if duplicates:
        raise SystemExit(f"{len(duplicates)} generated files share their bytes with another; this is a bug")
    write_manifest(out, rows)
    (out / CORPUS_JSON).write_text(json.dumps(_params(files, seed, publishers, mix), indent=1) + "\n", encoding="utf-8")
    return summarise(rows, time.perf_counter() - started)


def summarise(rows: list[dict], seconds: float | None = None) -> dict:
    formats = Counter(r["format"] for r in rows)
    return {"files": len(rows), "formats": dict(sorted(formats.items())),
            "publishers": len({r["publisher_id"] for r in rows}), "payments": sum(int(r["rows"]) for r in rows),
            "total_pence": sum(int(r["total_pence"]) for r in rows),
            "bytes": sum(int(r["size"]) for r in rows), "seconds": seconds}


def write_manifest(out: Path, rows: list[dict]) -> None:
    with open(Path(out) / MANIFEST, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_FIELDS)
        w.writeheader()
        for r in sorted(rows, key=lambda r: r["file"]):
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in MANIFEST_FIELDS})


def read_manifest(out: str | Path) -> list[dict]:
    with open(Path(out) / MANIFEST, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_params(out: str | Path) -> dict | None:
    try:
        return json.loads((Path(out) / CORPUS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _rebuilt_plan(out: Path):
    params = read_params(out)
    if params is None:
        raise SystemExit(f"{out} holds no generated corpus ({CORPUS_JSON} missing)")
    found = _originals(None, None, params["mix"].get("pdf", 0) > 0)
    pubs, specs = make_plan(params["seed"], params["files"], params["publishers"], params["mix"], found)
    return params, pubs, specs, {o.key: o for o in found}


def add_file(out: str | Path, publisher: str | None = None) -> dict:
    """One more file, of the month after a publisher's latest: a new month published (the benchmark's
    'one added file'). A CSV, distinct from every other; the manifest is updated. Returns its row."""
    out = Path(out)
    params, pubs, specs, _ = _rebuilt_plan(out)
    rows = read_manifest(out)
    by_slug = {p.slug: p for p in pubs}
    slug = publisher or next(r["publisher_id"] for r in rows if r["format"] == "csv")
    latest = max(r["period"] for r in rows if r["publisher_id"] == slug)
    y, m = map(int, latest.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    planned = {_relative(s) for s in specs}
    index = len(specs) + sum(1 for r in rows if r["file"] not in planned)
    spec = FileSpec(index, by_slug[slug], y, m, 0, "csv", params["seed"])
    row = write_file(spec, str(out))
    write_manifest(out, rows + [row])
    return row


def change_file(out: str | Path, file: str | None = None) -> dict:
    """Publish a file again with changes (three amounts corrected, one line added): same path, new bytes,
    a later fetch in its provenance record; the manifest is updated. Returns its new row."""
    out = Path(out)
    params, _, specs, originals = _rebuilt_plan(out)
    rows = read_manifest(out)
    by_rel = {_relative(s): s for s in specs}
    rel = file or next(r["file"] for r in rows if r["format"] == "csv" and r["file"] in by_rel)
    old = next(r for r in rows if r["file"] == rel)
    spec = by_rel[rel]
    _init_worker(originals)
    revision = 1
    while True:
        row = write_file(replace(spec, revision=revision), str(out))
        if row["sha256"] != old["sha256"]:
            break
        revision += 1
    write_manifest(out, [row if r["file"] == rel else r for r in rows])
    return row


# --- checking a built store against the manifest -----------------------------------------------------------

def compare_with_store(data: str | Path, manifest: list[dict] | None = None) -> dict:
    """What the store built from `data` says against the manifest: every file parsed, each file's rows
    and total (and first and last payment date) equal to the manifest's, and the payments table's sum.
    Returns {'mismatches': [...], 'files': n, 'payments': n, 'total_pence': n}; no mismatch is a pass."""
    from spend.store.read import load_files
    from spend.store.views import connect

    manifest = manifest if manifest is not None else read_manifest(data)
    files = load_files(data)
    mismatches = []
    if files is None:
        return {"mismatches": ["no store"], "files": 0, "payments": 0, "total_pence": 0}
    stored = {r.source_file: r for r in files.itertuples(index=False)}
    for m in manifest:
        f = stored.get(m["file"])
        if f is None:
            mismatches.append(f"{m['file']}: not in the files table")
            continue
        if f.status != "parsed":
            mismatches.append(f"{m['file']}: {f.status}: {f.error}")
            continue
        got = (int(f.rows_kept), f"{f.total_gbp:.2f}", str(f.first_payment_date), str(f.last_payment_date))
        want = (int(m["rows"]), m["total_gbp"], m["first_payment_date"], m["last_payment_date"])
        if got != want:
            mismatches.append(f"{m['file']}: store has rows, total, first, last {got}, manifest {want}")
    extra = set(stored) - {m["file"] for m in manifest}
    mismatches += [f"{name}: in the store, not in the manifest" for name in sorted(extra)]
    con = connect(data)
    try:
        n, total = con.execute("select count(*), sum(amount_gbp) from payments").fetchone()
    finally:
        con.close()
    total_pence = int(Decimal(total or 0) * 100)
    want_pence = sum(int(m["total_pence"]) for m in manifest)
    want_rows = sum(int(m["rows"]) for m in manifest)
    if (n, total_pence) != (want_rows, want_pence):
        mismatches.append(f"payments table: {n} rows totalling {total_pence} pence; manifest {want_rows} rows, "
                          f"{want_pence} pence")
    return {"mismatches": mismatches, "files": len(stored), "payments": n, "total_pence": total_pence}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, required=True, help="how many distinct files")
    ap.add_argument("--out", type=Path, required=True, help="the data folder to write (empty or new)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--publishers", type=int, default=500, help="how many bodies (default 500, about 420 NHS)")
    ap.add_argument("--mix", help="share of each format, e.g. csv=0.86,xlsx=0.11,pdf=0.03 (the default)")
    ap.add_argument("--workers", type=int, default=None, help="processes writing files (default: one per core)")
    ap.add_argument("--realdata", type=Path, help="the shared corpus, for its PDFs (default $SPEND_REALDATA)")
    ap.add_argument("--realdata-more", type=Path, help="default $SPEND_REALDATA_MORE")
    args = ap.parse_args(argv)
    if args.files < 1 or args.publishers < 1:
        ap.error("--files and --publishers must be at least 1")
    summary = generate_corpus(args.out, args.files, seed=args.seed, publishers=args.publishers,
                              mix=parse_mix(args.mix), workers=args.workers, realdata=args.realdata,
                              realdata_more=args.realdata_more, progress=True)
    print(f"{summary['files']:,} files ({', '.join(f'{k} {v:,}' for k, v in summary['formats'].items())}) from "
          f"{summary['publishers']} publishers: {summary['payments']:,} payments totalling "
          f"£{Decimal(summary['total_pence']) / 100:,.2f}, {summary['bytes'] / 2**20:,.0f} MiB, written in "
          f"{summary['seconds']:.1f} s to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
