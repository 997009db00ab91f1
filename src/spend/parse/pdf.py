"""Read tables from PDFs printed from a spreadsheet or a finance system's report.

Why pypdfium2 alone, and not pdfplumber: on `NCL 04 - July.pdf` (13 pages) pdfplumber takes 12 s to list the
words and ruling lines this reader takes from PDFium's character boxes and path objects in about 1.4 s, and
its table finder 3 s a page; the benchmark (benchmarks/bench_parse.py) holds the reader within 10x of
`pdftotext -layout`.

How a page is read:
1. Characters with PDFium's *loose* boxes (font ascent/descent, so `-`, `,` and `.` sit on the same
   baseline as letters) are grouped into visual lines, then into words (letters that touch and follow each
   other in the content stream).
2. The header is the first block of one to three lines whose words spell known column names (from
   `header_synonyms.csv`), among them a supplier and an amount; labels over two or three lines are joined.
3. The columns, per page, from the best evidence there is:
   - the table's ruling lines: the vertical rules (or the edges of filled header cells) across the header
     or the body are the cells' borders, and every word goes to the cell it starts in;
   - else the page's white space: for each pair of neighbouring header labels, the empty vertical strip
     between them that no table line puts ink in;
   - a page with no header (a sheet printed over several pages with its header on the first only) takes
     the previous page's columns when its amounts line up under that page's amount column; when they do
     not (a page that holds only overflow columns, an appendix), its lines are not read as payments: a line
     that reads as a payment is refused with the reason, anything else is non-data.
4. The rows: where horizontal rules separate the rows, the lines between two rules are one row (a cell's
   wrapped text, a date printed at the bottom of a tall row); else each line is a row, and the extra lines
   of a tall row are joined to the line holding the row's first column.
Lines above the header (title, notes, "Time run:") are emitted as rows, each marked as non-data, so the
parser can account for every line; so are repeated headers and page footers. Each page's column model is
kept in `RawFile.layout` for `spend parse --explain`.
"""

from __future__ import annotations

import ctypes
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from spend.core.errors import CorruptFile, NoTableFound
from spend.parse.headers import match_header, normalise_header, synonyms
from spend.parse.readers import RawFile, RawRow, Sheet

_DIGIT = re.compile(r"\d")
# What PDFium gives for a hyphen the producer marked as soft or end-of-line.
_HYPHENS = "\ufffe\x02\u00ad"
# Characters per text object below which a page's text objects are glyphs placed one by one, not cells.
_RUN_CHARS = 3


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    bottom: float
    height: float
    lefts: list[float] = field(default_factory=list)  # left edge of each character
    run: int = 0  # the text object it was drawn in: a spreadsheet draws each cell's text as one

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Line:
    words: list[Word]
    bottom: float
    height: float

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _upright(page):
    """A function taking a box in the page's own coordinates to where it shows on the page as displayed:
    a page with /Rotate 90 (a landscape report saved sideways) has its text running up the page. None when
    the two are the same (most pages)."""
    rotation = page.get_rotation() % 360
    left, bottom, right, top = page.get_mediabox()
    width, height = right - left, top - bottom
    if rotation == 0 and left == 0 and bottom == 0:
        return None

    def turn(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = box[0] - left, box[1] - bottom, box[2] - left, box[3] - bottom
        if rotation == 90:
            x0, y0, x1, y1 = y0, width - x1, y1, width - x0
        elif rotation == 180:
            x0, y0, x1, y1 = width - x1, height - y1, width - x0, height - y0
        elif rotation == 270:
            x0, y0, x1, y1 = height - y1, x0, height - y0, x1
        return x0, y0, x1, y1

    return turn


@lru_cache(maxsize=1)
def _text_object_address():
    """PDFium's FPDFText_GetTextObject returning the object's address as an int (the text object a
    character was drawn in), without a ctypes cast per character."""
    prototype = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
    return prototype(ctypes.cast(pdfium_raw.FPDFText_GetTextObject, ctypes.c_void_p).value)


def _page_lines(page) -> list[Line]:
    """Visual lines of a page as displayed, top to bottom, each a list of words left to right."""
    turn = _upright(page)
    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        text = tp.get_text_range(0, n) if n else ""
        chars = []
        runs: dict[int, int] = {}
        # PDFium called directly with one box reused: this loop runs once per character of the file.
        box, handle = pdfium_raw.FS_RECTF(), tp.raw
        loose_box, text_object = pdfium_raw.FPDFText_GetLooseCharBox, _text_object_address()
        handle_address = ctypes.cast(handle, ctypes.c_void_p)
        for i, ch in enumerate(text):
            if ch.isspace() or ch == "\x00":
                continue
            if ch in _HYPHENS:
                ch = "-"
            loose_box(handle, i, box)
            left, bottom, right, top = (box.left, box.bottom, box.right, box.top) if turn is None else \
                turn((box.left, box.bottom, box.right, box.top))
            obj = text_object(handle_address, i) or 0
            chars.append((bottom, left, right, top - bottom, ch, i, runs.setdefault(obj, len(runs))))
    finally:
        tp.close()
    # Text objects are cells' texts when they hold words, not single glyphs placed one by one.
    by_run = len(chars) >= _RUN_CHARS * max(1, len(runs))
    # Parts of one spreadsheet row can sit a few points apart (cells aligned top vs bottom), while
    # two rows are a full line apart: a new line starts when the baseline moves by > 45% of a line.
    chars.sort(key=lambda c: (-c[0], c[1]))
    groups: list[list[tuple]] = []
    for c in chars:
        if groups and groups[-1][0][0] - c[0] <= 0.45 * max(c[3], groups[-1][0][3]):
            groups[-1].append(c)
        else:
            groups.append([c])
    lines = []
    for g in groups:
        # Words are runs of characters that touch on the page *and* follow each other in the content
        # stream: a spreadsheet draws each cell's text whole and clips it, so a long name's hidden
        # tail can lie under the next cell's number; stream order keeps the two apart.
        g.sort(key=lambda c: c[5])
        words: list[Word] = []
        last_index = None
        for bottom, left, right, height, ch, index, run in g:
            # Letters in a word touch (loose boxes); one space is ~0.35 of the line height. A cell's text may be
            # drawn in several text objects ('55' ',100.00'), but where the object changes between a figure
            # and a word ('157,621.00' 'COVID', 'North' '15,409.14') two cells' texts were printed touching.
            # A letter drawn over most of the one before it is another cell's text printed over a clipped
            # overflow ('SERVICES' under 'ANGEL SURGERY'), not the same word; so is a letter that starts a new
            # text object right after a letter, where text objects are cells ('FULLY FUNDED' 'LANCAM CARE').
            if words and last_index is not None and index - last_index <= 2 and -0.5 * height < left - words[-1].x1 < 0.12 * height \
                    and not (by_run and run != words[-1].run and _two_texts(words[-1].text, ch)) \
                    and not (ch != words[-1].text[-1] and words[-1].x1 - left > 0.5 * (right - left)) \
                    and not (by_run and run != words[-1].run and ch.isalpha() and words[-1].text[-1].isalpha()):
                w = words[-1]
                w.text += ch
                w.x1 = max(w.x1, right)
                w.lefts.append(left)
            else:
                words.append(Word(ch, left, right, bottom, height, [left], run if by_run else -1))
            last_index = index
        words.sort(key=lambda w: w.x0)
        lines.append(Line(words, max(c[0] for c in g), max(c[3] for c in g)))
    return lines


def _segments(words: list[Word]) -> list[list[Word]]:
    """Split a line at wide gaps (more than two spaces)."""
    out: list[list[Word]] = []
    for w in words:
        if out and w.x0 - out[-1][-1].x1 < 0.7 * w.height:
            out[-1].append(w)
        else:
            out.append([w])
    return out


def _split_known(seg: list[Word]) -> list[list[Word]]:
    """Split a run of header words into known column names where it holds more than one
    ('Date Expense Type' -> 'Date', 'Expense Type'); leave it whole otherwise."""
    known = synonyms()
    n = len(seg)
    if n < 2 or n > 12 or normalise_header(" ".join(w.text for w in seg)) in known:
        return [seg]
    # best[i]: a split of seg[i:] into known names, found right to left (no backtracking blow-up).
    best: list[list[tuple[int, int]] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n + 1):
            if best[j] is not None and normalise_header(" ".join(w.text for w in seg[i:j])) in known:
                best[i] = [(i, j), *best[j]]
                break
    return [seg[i:j] for i, j in best[0]] if best[0] else [seg]


@dataclass
class _Header:
    """The header block of a page: its lines (indices into the page's lines) and the column labels."""

    first: int
    last: int
    labels: list[list[Word]]
    top: float  # top of the first line
    bottom: float  # bottom of the last line


def _label_text(label: list[Word]) -> str:
    return " ".join(w.text for w in label)


def _stack(group: list[Line]) -> list[list[Word]]:
    """The column labels of a header block of one to three lines: segments (words close together) that
    overlap across lines make one label, read top to bottom; a run of known names printed hard against each
    other is split into those names ('AP Amount (£) VAT registration' / 'number')."""
    segments = sorted((seg for line in group for seg in _segments(line.words)), key=lambda s: s[0].x0)
    clusters: list[list[list[Word]]] = []
    right = None
    for seg in segments:
        if clusters and seg[0].x0 < right - 0.5:
            clusters[-1].append(seg)
            right = max(right, seg[-1].x1)
        else:
            clusters.append([seg])
            right = seg[-1].x1
    labels = []
    for cluster in clusters:
        words = sorted((w for seg in cluster for w in seg), key=lambda w: (-round(w.bottom), w.x0))
        labels.extend(_split_known(words))
    return labels


def _find_header(lines: list[Line]) -> _Header | None:
    """The first block of one to three lines that reads as a spend table's header: at least three known
    column names, a supplier and an amount among them. A longer block wins only if it names more columns."""
    for i, line in enumerate(lines[:_HEADER_SEARCH_LINES]):
        if len(line.words) > 60 or _DIGIT_RUN.search(line.text):
            continue
        best = None
        for span in (1, 2, 3):
            group = lines[i:i + span]
            if len(group) < span or (span > 1 and not _continues_header(group[-2], group[-1])):
                break
            labels = _stack(group)
            m = match_header([_label_text(lab) for lab in labels])
            if {"amount_gbp", "supplier_name_raw"} <= m.canonical and m.score >= 3 and (best is None or m.score > best[0]):
                best = (m.score, span, labels)
        if best:
            _, span, labels = best
            return _Header(i, i + span - 1, labels, line.bottom + line.height, lines[i + span - 1].bottom)
    return None


_HEADER_SEARCH_LINES = 60
_DIGIT_RUN = re.compile(r"\d{3,}")


def _continues_header(above: Line, line: Line) -> bool:
    """A further line of a header: close below the line above it and without figures."""
    return above.bottom - line.bottom <= 1.8 * max(above.height, line.height) and not _DIGIT_RUN.search(line.text)


def _span(label: list[Word]) -> tuple[float, float]:
    return min(w.x0 for w in label), max(w.x1 for w in label)


def _boundaries(labels: list[list[Word]]) -> list[float]:
    """First guess at column edges: midway between one label's right end and the next one's left end."""
    return [(_span(labels[i])[1] + _span(labels[i + 1])[0]) / 2 for i in range(len(labels) - 1)]


def _hard_starts(labels: list[list[Word]], lines: list[Line]) -> list[float]:
    """Left edges of left-aligned columns: label starts where most table lines have a word starting."""
    starts = []
    for lab in labels:
        x = _span(lab)[0]
        hits = sum(1 for line in lines if any(abs(w.x0 - x) < 0.4 for w in line.words))
        if lines and hits >= 0.5 * len(lines):
            starts.append(x)
    return starts


def _split_run_in_numbers(words: list[Word], hard_starts: list[float]) -> list[Word]:
    """Split a word where a number starts exactly at a left-aligned column's start.

    A name that fills its cell to the edge touches the next cell's number, so the two read as one
    word (Hounslow CCG, November 2020: 'COLLABORATIVE34473925' under Supplier / Transaction number).
    The split needs both signs: a letter then digits to the end of the word, and the first digit
    standing on the column's start. A clipped name's hidden tail is letters, so it is never split.
    """
    out = []
    for w in words:
        cut = next((i for i in range(1, len(w.text)) if w.text[i - 1].isalpha() and w.text[i:].isdigit()
                    and any(abs(w.lefts[i] - x) < 0.5 for x in hard_starts)), None) if len(w.lefts) == len(w.text) else None
        if cut is None:
            out.append(w)
            continue
        out.append(Word(w.text[:cut], w.x0, w.lefts[cut], w.bottom, w.height, w.lefts[:cut], w.run))
        out.append(Word(w.text[cut:], w.lefts[cut], w.x1, w.bottom, w.height, w.lefts[cut:], w.run))
    return out


def _cells(words: list[Word], edges: list[float], by_start: list[bool], ncols: int) -> list[str]:
    """Put each word in its column. At the start of a left-aligned column a word belongs where it
    starts (a clipped name's hidden tail stays with it); elsewhere where its centre is (a wide
    right-aligned number may start left of the gutter). A word printed over another cell's text (a long
    name overflowing into the next cells) stays in the column its cell's text starts in."""
    cells: list[list[Word]] = [[] for _ in range(ncols)]
    column = {id(w): _column_of(w, words, edges, by_start) for w in words}
    home = _phrase_homes(words, column, edges)
    for w in words:
        cells[home.get(id(w), column[id(w)])].append(w)
    out = []
    for cell in cells:
        text = ""
        for k, w in enumerate(cell):
            touching = k and w.x0 - cell[k - 1].x1 < 0.12 * w.height and _same_line(w, cell[k - 1])
            text += w.text if (not k or touching) else " " + w.text
        out.append(text)
    return out


def _two_texts(before: str, ch: str) -> bool:
    """Whether a character starting a new text object right after `before` starts another cell's text: a
    letter after a figure or a digit after a letter, or anything after an amount with its pence."""
    last = before[-1]
    if re.search(r"\d\.\d\d\)?$", before):
        return True
    return ch.isalnum() and (last.isalnum() or last == ")") and (last.isalpha() != ch.isalpha())


def _column_of(w: Word, words: list[Word], edges: list[float], by_start: list[bool]) -> int:
    """The column a word stands in: by its start at a left-aligned column, else by its centre. A word that
    crosses a border without standing over other text (a number or code a little wider than its cell, set
    right or centred in it) goes where most of it is."""
    if all(by_start):  # edges in ascending order: the number of edges left of the start
        col = bisect_left(edges, w.x0)
    else:
        col = sum(1 for e, start in zip(edges, by_start) if (w.x0 if start else w.centre) > e)
    crossed = edges[bisect_right(edges, w.x0 + 0.5):bisect_left(edges, w.x1 - 0.5)]
    if crossed and not _overlaps_other_text(w, words):
        bounds = [w.x0, *crossed, w.x1]
        widest = max(range(len(bounds) - 1), key=lambda k: bounds[k + 1] - bounds[k])
        col = bisect_left(edges, (bounds[widest] + bounds[widest + 1]) / 2)
    return col


def _same_line(a: Word, b: Word) -> bool:
    return abs(a.bottom - b.bottom) < 0.45 * max(a.height, b.height)


def _phrase_homes(words: list[Word], column: dict[int, int], edges: list[float]) -> dict[int, int]:
    """For the words of a phrase that runs across cells, the column the whole phrase belongs to.

    A phrase is the words of one text object on one line that follow each other at word spacing. One that
    falls in several columns and stands over other text of the row has overflowed its cell: a long name
    running into the next cells, a centred or right-aligned description spilling over its left neighbour.
    It belongs to the column it crosses that holds no other text of the row (most of the phrase, if
    several do; failing that, the one holding most of it). Phrases that stand clear of other text keep
    each word where it stands (a row drawn as one object holds several cells' texts)."""
    home: dict[int, int] = {}
    by_run: dict[int, list[Word]] = {}
    for w in words:
        if w.run >= 0:
            by_run.setdefault(w.run, []).append(w)
    if len(by_run) < 2:
        return home
    taken: dict[int, set[int]] = {}  # column -> the text objects with words in it
    for w in words:
        taken.setdefault(column[id(w)], set()).add(w.run)
    for run, run_words in by_run.items():
        run_words.sort(key=lambda w: (round(w.bottom), w.x0))
        phrases: list[list[Word]] = []
        for k, w in enumerate(run_words):
            if k == 0 or not _same_line(w, run_words[k - 1]) or w.x0 - run_words[k - 1].x1 > 0.7 * w.height:
                phrases.append([])
            phrases[-1].append(w)
        for phrase in phrases:
            if len({column[id(w)] for w in phrase} | {bisect_left(edges, w.x1 - 0.5) for w in phrase}) < 2:
                continue  # within one column (most phrases)
            width: Counter = Counter()  # how much of the phrase lies in each column
            for w in phrase:
                for c, (lo, hi) in enumerate(zip([-1e9, *edges], [*edges, 1e9])):
                    if min(w.x1, hi) > max(w.x0, lo):
                        width[c] += min(w.x1, hi) - max(w.x0, lo)
            if len(width) < 2 or not any(_overlaps_other_text(w, words) for w in phrase):
                continue  # within one cell, or beside the others' text: each word where it stands
            own = {c: n for c, n in width.items() if taken.get(c, set()) <= {run}}
            col = max(own or width, key=lambda c: (own or width)[c])
            for w in phrase:
                home[id(w)] = col
    return home


def _overlaps_other_text(w: Word, words: list[Word]) -> bool:
    """Whether `w` stands over (or hard against) another text object's word of the same row."""
    return any(o.run != w.run and o.x0 < w.x1 + 0.5 and w.x0 < o.x1 + 0.5 for o in words)


_LARGEST_PAGE = 14_400  # points (200 inches): the largest page size PDF readers accept


def _gutter_edges(labels: list[list[Word]], lines: list[Line], hard_starts: list[float]) -> list[float]:
    """Column edges from the page's white space: for each pair of neighbouring labels, the middle of
    the widest vertical strip between them that no table line puts ink in.

    Reading edges off the labels alone fails both ways: dates are right-aligned and end a space
    before a left-aligned column starts, and long left-aligned names run far past their label. The
    strip that stays empty down the whole page is where the spreadsheet's column boundary was. One
    line in fifty may cross it (text overflowing into an empty neighbouring cell).
    """
    edges = _boundaries(labels)
    if not lines:
        return edges
    scale = 4  # quarter-point bins
    # As wide as the text, and no wider than the largest page a PDF has: a damaged file's words can lie
    # far off the page (or before it), and every bin is memory.
    right = max(max(_span(lab)[1] for lab in labels), max(w.x1 for line in lines for w in line.words))
    width = int(min(max(right, 0), _LARGEST_PAGE) * scale) + 8

    def at(x: float) -> int:
        """The bin of position `x`, within the page."""
        return min(max(int(x * scale), 0), width)

    cover = np.zeros(width + 1, dtype=np.int32)
    for line in lines:
        for w in line.words:
            cover[at(w.x0)] += 1
            cover[min(at(w.x1) + 1, width)] -= 1
    cover = np.cumsum(cover)
    empty = cover <= len(lines) // 50
    # x positions where many lines have a word ending or starting: right- and left-aligned columns.
    ends = Counter(round(w.x1 * 2) / 2 for line in lines for w in line.words)
    begins = Counter(round(w.x0 * 2) / 2 for line in lines for w in line.words)
    hard = {x for x, n in (ends + begins).items() if n >= 0.3 * len(lines)}
    out = []
    for i, mid in enumerate(edges):
        start_next = _span(labels[i + 1])[0]
        if any(abs(start_next - x) < 0.01 for x in hard_starts):
            out.append(start_next - 0.2)  # a left-aligned column's values start exactly here
            continue
        # Search between the label centres: a label's own span may be empty on a page.
        lo = at(sum(_span(labels[i])) / 2)
        hi = at(sum(_span(labels[i + 1])) / 2)
        strips: list[tuple[int, int]] = []
        run_start = None
        for x in range(lo, hi + 2):
            if x <= hi and empty[x]:
                if run_start is None:
                    run_start = x
            elif run_start is not None:
                strips.append((run_start, x))
                run_start = None
        if not strips:
            out.append(mid)
            continue

        def rank(strip: tuple[int, int]) -> tuple[bool, int]:
            # A strip against a column's hard side is the real gutter; the ragged white space beside
            # right-aligned numbers of varying width is not.
            a, b = strip[0] / scale, strip[1] / scale
            against_hard = any(abs(a - x) <= 2.5 or abs(b - x) <= 2.5 for x in hard)  # ")" overhangs
            return against_hard, strip[1] - strip[0]

        a, b = max(strips, key=rank)
        out.append(_snap(a / scale, b / scale, lines))
    return out


def _snap(a: float, b: float, lines: list[Line]) -> float:
    """Within the empty strip [a, b], move the edge against a column's hard side: left-aligned values
    all start at b, right-aligned ones all end at a. The one line that crosses the strip (a clipped
    name) is then split where its own column really ends."""
    starts = sum(1 for line in lines for w in line.words if abs(w.x0 - b) < 0.4)
    ends = sum(1 for line in lines for w in line.words if abs(w.x1 - a) < 0.4)
    near = max(1, sum(1 for line in lines if any(a - 1 <= w.x0 <= b + 1 or a - 1 <= w.x1 <= b + 1 for w in line.words)))
    left_aligned_next = starts >= 0.6 * near
    right_aligned_prev = ends >= 0.6 * near
    if left_aligned_next and not right_aligned_prev:
        return b - 0.2
    if right_aligned_prev and not left_aligned_next:
        return a + 0.2
    return (a + b) / 2


def _join_wrapped(rows: list[RawRow], body: list[tuple[int, Line]], ncols: int) -> None:
    """Merge the extra visual lines of a tall spreadsheet row into the row's first line.

    A cell with wrapped text makes its row two or three lines tall; cells aligned to the bottom of
    the row then print on a line of their own. Every row's first line has text in the page's most
    filled leftmost column (Department family, in the CCG reports), so a line without it continues
    the row above. Merged-away lines are marked as non-data with the reason, so the counts still add up.
    """
    if not body:
        return
    filled = [sum(1 for i, _ in body if rows[i].cells[c]) for c in range(ncols)]
    # The leftmost column filled on at least a third of the lines (a row spans at most three).
    anchor = next((c for c in range(ncols) if filled[c] * 3 >= len(body)), 0)
    current = None
    prev_line = None
    for i, line in body:
        row = rows[i]
        close = prev_line is not None and prev_line.bottom - line.bottom < 2.2 * line.height
        if not row.cells[anchor] and current is not None and close and not _adds_a_figure(rows[current], row):
            target = rows[current]
            target.cells = [" ".join(p for p in (t, c) if p) for t, c in zip(target.cells, row.cells)]
            first = target.locator.split(" line")[0]
            start = target.locator.rsplit(" ", 1)[-1].split("-")[0]
            target.locator = f"{first} lines {start}-{row.locator.rsplit(' ', 1)[-1]}"
            row.nondata = f"continues the row at {first} line {start} (wrapped cell)"
            row.cells = [line.text]
        else:
            current = i
        prev_line = line


_NUMBER_TEXT = re.compile(r"^[-(£]*[\d,.]+\)?$")


def _adds_a_figure(target: RawRow, line: RawRow) -> bool:
    """Whether joining `line` to `target` would put a second figure in a cell (a grand total printed under
    the last row's amount): numbers do not wrap, so such a line is a row of its own."""
    return any(c and t and (_NUMBER_TEXT.match(c) or _NUMBER_TEXT.match(t)) for t, c in zip(target.cells, line.cells))


# --- ruling lines ---------------------------------------------------------------------------------------


@dataclass
class _Rules:
    """The page's ruling lines: vertical ones as (x, bottom, top), horizontal ones as (y, left, right)."""

    vertical: list[tuple[float, float, float]] = field(default_factory=list)
    horizontal: list[tuple[float, float, float]] = field(default_factory=list)

    def xs_across(self, bottom: float, top: float) -> list[float]:
        """x of the vertical rules that cross the band [bottom, top] (merged within a point)."""
        xs = sorted(x for x, b, t in self.vertical if b <= top - 0.5 and t >= bottom + 0.5)
        merged: list[float] = []
        for x in xs:
            if merged and x - merged[-1] < 1.0:
                continue
            merged.append(x)
        return merged


def _page_rules(page) -> _Rules:
    """Ruling lines from the page's path objects: thin ones are rules; a filled box (a header cell) gives its
    four sides."""
    rules = _Rules()
    turn = _upright(page) or (lambda box: box)
    for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_PATH], max_depth=4):
        left, bottom, right, top = turn(obj.get_bounds())
        width, height = right - left, top - bottom
        if width <= _RULE and height > _RULE:
            rules.vertical.append(((left + right) / 2, bottom, top))
        elif height <= _RULE and width > _RULE:
            rules.horizontal.append(((bottom + top) / 2, left, right))
        elif width > _RULE and height > _RULE and height < 60:  # a cell's box, not a page frame
            rules.vertical += [(left, bottom, top), (right, bottom, top)]
            rules.horizontal += [(bottom, left, right), (top, left, right)]
    return rules


_RULE = 2.5  # points: thicker than this is a box, not a rule


# --- the columns of a page -----------------------------------------------------------------------------


@dataclass
class _Columns:
    """How a page's table is cut into columns: the header text of each, the borders between them, and how
    a word finds its column."""

    labels: list[str]
    edges: list[float]  # ncols - 1 borders, left to right
    by_start: list[bool]  # per border: the column right of it takes a word by where it starts
    hard_starts: list[float]  # left edges of left-aligned columns (to split a name run into a number)
    how: str  # 'ruling lines', 'white space', 'the previous page's'
    amount_at: int | None = None

    def cells(self, words: list[Word]) -> list[str]:
        return _cells(_split_run_in_numbers(words, self.hard_starts), self.edges, self.by_start, len(self.labels))

    def describe(self) -> str:
        bounds = [None, *self.edges, None]
        spans = ", ".join(f"{lab or '(no label)'!r} {_x(bounds[k])}-{_x(bounds[k + 1])}"
                          for k, lab in enumerate(self.labels))
        return f"columns from {self.how}: {spans}"


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _amount_column(labels: list[str]) -> int | None:
    m = match_header(labels)
    return next((j for j, name in m.mapping.items() if name == "amount_gbp"), None)


def _rule_columns(header: _Header, rules: _Rules, body: list[Line]) -> _Columns | None:
    """Columns from the vertical rules across the header (or, failing that, across the body): each
    interval between two rules is a column, labelled with the header words that start in it. None when
    the rules do not separate the labels (two labels in one interval)."""
    xs = rules.xs_across(header.bottom, header.top)
    if len(xs) < 3 and body:
        xs = rules.xs_across(min(line.bottom for line in body), max(line.bottom + line.height for line in body))
    if len(xs) < 3:
        return None
    edges = xs[1:-1]
    texts: list[list[str]] = [[] for _ in range(len(xs) - 1)]
    for label in header.labels:
        spans = {sum(1 for e in edges if w.x0 + 0.5 > e) for w in label}
        if len(spans) > 1:
            # A label whose words fall in two cells: split by word, as the rules say.
            for w in label:
                texts[sum(1 for e in edges if w.x0 + 0.5 > e)].append(w.text)
            continue
        texts[spans.pop()].append(_label_text(label))
    labels = [" ".join(parts) for parts in texts]
    # Each interval takes a word by where it starts (a cell's text starts inside the cell; a long name's
    # clipped tail stays with it).
    hard = _observed_starts(edges, body)
    columns = _Columns(labels, edges, [True] * len(edges), hard, "ruling lines")
    columns.amount_at = _amount_column(labels)
    return columns if columns.amount_at is not None else None


def _observed_starts(edges: list[float], body: list[Line]) -> list[float]:
    """Where left-aligned columns' values start: in each interval, the x most words start at, when most
    lines have a word starting there."""
    starts = Counter(round(w.x0, 1) for line in body for w in line.words)
    out = []
    for lo, hi in zip([-1e9, *edges], [*edges, 1e9]):
        inside = [(n, x) for x, n in starts.items() if lo <= x < hi]
        if inside:
            n, x = max(inside)
            if body and n >= 0.5 * len(body):
                out.append(x)
    return out


def _gutter_columns(header: _Header, body: list[Line]) -> _Columns:
    """Columns from the page's white space between neighbouring header labels (see `_gutter_edges`)."""
    labels = header.labels
    hard_starts = _hard_starts(labels, body)
    edges = _gutter_edges(labels, body, hard_starts)
    by_start = [any(abs(_span(lab)[0] - x) < 0.01 for x in hard_starts) for lab in labels[1:]]
    texts = [_label_text(lab) for lab in labels]
    return _Columns(texts, edges, by_start, hard_starts, "white space", _amount_column(texts))


_FIGURE = re.compile(r"^\(?[-\u2010]?£?\d{1,3}(,\d{3})*\.\d{2}\)?-?$")


def _lines_up(columns: _Columns, lines: list[Line]) -> bool:
    """Whether a page without a header is a continuation of the table: most of its figures (amounts with
    pence) stand in the previous page's amount column."""
    if columns.amount_at is None:
        return False
    bounds = [-1e9, *columns.edges, 1e9]
    lo, hi = bounds[columns.amount_at], bounds[columns.amount_at + 1]
    figures = [w for line in lines for w in line.words if _FIGURE.match(w.text)]
    inside = [w for w in figures if lo - 1 <= w.x0 and w.x1 <= hi + 1]
    return bool(figures) and len(inside) >= 0.5 * len(figures) and len(inside) >= 0.3 * len(lines)


# --- rows ----------------------------------------------------------------------------------------------


def _bands(rules: _Rules, body: list[Line], columns: _Columns) -> list[list[int]] | None:
    """The body lines grouped by the horizontal rules between table rows, or None when the rules do not
    separate the rows (none, or some band holding more lines than a tall row has)."""
    if not body or not rules.horizontal:
        return None
    left = min(w.x0 for line in body for w in line.words)
    right = max(w.x1 for line in body for w in line.words)
    width = right - left
    ys = sorted({round(y, 1) for y, x0, x1 in rules.horizontal if min(x1, right) - max(x0, left) >= 0.5 * width},
                reverse=True)
    if len(ys) < 2:
        return None
    bands: dict[int, list[int]] = {}
    for k, line in enumerate(body):
        middle = line.bottom + line.height / 2
        band = next((b for b in range(len(ys) - 1) if ys[b + 1] - 0.5 <= middle <= ys[b] + 0.5), None)
        if band is None:
            return None
        bands.setdefault(band, []).append(k)
    groups = [bands[b] for b in sorted(bands)]
    if max(map(len, groups)) > _MAX_LINES_A_ROW:
        return None
    return groups


_MAX_LINES_A_ROW = 6
_FOOTER = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$", re.IGNORECASE)


def _segment_cells(line: Line) -> list[str]:
    """A line outside the table as cells: its runs of words split at wide gaps."""
    return [_label_text(seg) for seg in _segments(line.words)]


def _outside(line: Line, loc: str, reason: str) -> RawRow:
    """A line that is not part of the table: non-data with `reason`, unless it reads as a payment, which is
    refused (a payment the reader cannot place in columns is never dropped in silence)."""
    cells = _segment_cells(line)
    from spend.parse.rows import payment_like  # the parser's own test of a payment written in one line

    if payment_like(line.text):
        return RawRow(cells, loc, reject=f"{reason}: a line that reads as a payment, outside the table's columns")
    return RawRow(cells, loc, nondata=reason)


def _read_page(lines: list[Line], rules: _Rules, pno: int, previous: _Columns | None
               ) -> tuple[list[RawRow], _Columns | None, str]:
    """Rows of one page, the columns it was read with, and how (for the layout record)."""
    rows: list[RawRow] = []
    header = _find_header(lines)
    if header is not None:
        above, body_start = lines[:header.first], header.last + 1
    elif previous is not None and _lines_up(previous, lines):
        above, body_start = [], 0
    else:
        reason = "no table on the page (no header, and nothing lines up with the table's columns)"
        return [_outside(line, f"page {pno} line {n}", reason) for n, line in enumerate(lines, start=1)], previous, reason
    for n, line in enumerate(above, start=1):
        rows.append(_outside(line, f"page {pno} line {n}", "title or notes above the table"))
    body = lines[body_start:]
    while body and (not body[-1].words or _FOOTER.match(body[-1].text.strip())):  # empty: a page number taken out
        body = body[:-1]
    if header is not None:
        columns = _rule_columns(header, rules, body) or _gutter_columns(header, body)
        rows.append(RawRow(columns.labels, f"page {pno} line {header.first + 1}"))
        for n in range(header.first + 2, header.last + 2):
            rows.append(RawRow([lines[n - 1].text], f"page {pno} line {n}", nondata="further line of the header"))
    else:
        columns = _Columns(previous.labels, previous.edges, previous.by_start, previous.hard_starts,
                           "the previous page's", previous.amount_at)
    bands = _bands(rules, body, columns)
    groups = bands if bands is not None else [[k] for k in range(len(body))]
    first_body_line = body_start + 1
    for group in groups:
        words = [w for k in group for w in body[k].words]
        numbers = [first_body_line + k for k in group]
        loc = f"page {pno} line {numbers[0]}" if len(numbers) == 1 else f"page {pno} lines {numbers[0]}-{numbers[-1]}"
        rows.append(RawRow(columns.cells(sorted(words, key=lambda w: (-round(w.bottom), w.x0))), loc))
    if bands is None:
        _join_wrapped(rows, [(len(rows) - len(groups) + k, body[k]) for k in range(len(groups))], len(columns.labels))
    for n in range(body_start + len(body) + 1, len(lines) + 1):
        rows.append(RawRow([lines[n - 1].text], f"page {pno} line {n}", nondata="page footer"))
    how = columns.describe() + ("; rows between horizontal rules" if bands is not None else "; a row a line")
    return rows, columns, how


def _drop_page_numbers(pages: list[list[Line]]) -> set[int]:
    """Take out the page numbers a report prints in the same place on every page, wherever they fall: on a
    line of their own between two rows, or drawn over the last row's text ('UNIVERSITY' '9' 'HOSPITAL').
    A page number is a word equal to its page's number at a position (to 3 points) where at least two
    pages have theirs; returns the pages it was taken from. A line that held only the number stays, empty,
    so that every other line keeps its number (a row's locator). A one-page file keeps its words: one page
    cannot show a number repeating."""
    def place(w: Word) -> tuple[int, int]:
        return round(w.centre / 3), round(w.bottom / 3)

    seen: Counter = Counter()
    for pno, lines in enumerate(pages, start=1):
        seen.update({place(w) for line in lines for w in line.words if w.text == str(pno)})
    repeated = {p for p, n in seen.items() if n >= 2}
    numbered = set()
    for pno, lines in enumerate(pages, start=1):
        for line in lines:
            keep = [w for w in line.words if not (w.text == str(pno) and place(w) in repeated)]
            if len(keep) < len(line.words):
                line.words[:] = keep
                numbered.add(pno)
    return numbered


def read_pdf(data: bytes, source: str) -> RawFile:
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise CorruptFile(source, f"the PDF cannot be opened ({e})") from None
    rows: list[RawRow] = []
    layout: list[str] = []
    columns: _Columns | None = None
    try:
        pages = []
        for pno in range(len(doc)):
            try:
                page = doc[pno]
                try:
                    pages.append((_page_lines(page), _page_rules(page)))
                finally:
                    page.close()
            except pdfium.PdfiumError as e:  # a page whose objects are damaged, in a document that opened
                raise CorruptFile(source, f"the PDF's page cannot be read ({e})", locator=f"page {pno + 1}") from None
    finally:
        doc.close()
    numbered = _drop_page_numbers([lines for lines, _ in pages])
    for pno, (lines, rules) in enumerate(pages, start=1):
        page_rows, columns, how = _read_page(lines, rules, pno, columns)
        rows.extend(page_rows)
        layout.append(f"page {pno}: {how}")
    if numbered:
        layout.append(f"page numbers set aside (printed in the same place on {len(numbered)} pages)")
    if columns is None:
        raise NoTableFound(source, "no table header found in the PDF (is it a scan, or not a spend report?)")
    return RawFile("pdf", [Sheet(None, rows)], layout=layout)
