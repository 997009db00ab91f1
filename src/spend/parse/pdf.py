"""Read tables from PDFs printed from a spreadsheet (Hounslow and Harrow CCGs' monthly files).

Why pypdfium2 and not pdfplumber's text layer: on `NWHO 04 - July.pdf` (7 pages) pdfplumber's
`extract_text(layout=True)` takes about 3 s while PDFium's character boxes take about 0.1 s; the
benchmark (benchmarks/bench_parse.py) measures both against `pdftotext -layout`.

How a page is read:
1. Characters with PDFium's *loose* boxes (font ascent/descent, so `-`, `,` and `.` sit on the
   same baseline as letters) are grouped into visual lines, then into words (a gap wider than a
   fraction of a space ends a word).
2. The header line is the one whose words spell at least three known column names (from
   `header_synonyms.csv`), including an amount. A header label split over two lines
   (`Transaction` / `number`) is joined with the line under it.
3. Column edges are the empty vertical strips between neighbouring header labels on the same page
   (the layout shifts from page to page); every other line's words go to the column holding their centre.
Lines above the first header (title, notes, "Time run:") are emitted as rows too, so the parser
can account for every line; so are repeated headers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pypdfium2 as pdfium

from spend.core.errors import CorruptFile, NoTableFound
from spend.parse.headers import match_header, normalise_header, synonyms
from spend.parse.readers import RawFile, RawRow, Sheet

_DIGIT = re.compile(r"\d")


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    bottom: float
    height: float
    lefts: list[float] = field(default_factory=list)  # left edge of each character

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


def _page_lines(page) -> list[Line]:
    """Visual lines of a page, top to bottom, each a list of words left to right."""
    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        text = tp.get_text_range(0, n) if n else ""
        chars = []
        for i, ch in enumerate(text):
            if ch.isspace() or ch == "\x00":
                continue
            left, bottom, right, top = tp.get_charbox(i, loose=True)
            chars.append((bottom, left, right, top - bottom, ch, i))
    finally:
        tp.close()
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
        for bottom, left, right, height, ch, index in g:
            # Letters in a word touch (loose boxes); one space is ~0.35 of the line height.
            if words and last_index is not None and index - last_index <= 2 and -0.5 * height < left - words[-1].x1 < 0.12 * height:
                w = words[-1]
                w.text += ch
                w.x1 = max(w.x1, right)
                w.lefts.append(left)
            else:
                words.append(Word(ch, left, right, bottom, height, [left]))
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


def _header_labels(line: Line) -> list[list[Word]] | None:
    if len(line.words) > 60:
        return None
    labels = [part for seg in _segments(line.words) for part in _split_known(seg)]
    m = match_header([" ".join(w.text for w in lab) for lab in labels])
    if "amount_gbp" in m.canonical and m.score >= 3:
        return labels
    return None


def _is_continuation(line: Line, header: Line, labels: list[list[Word]]) -> bool:
    """The second line of a two-line header: close below it, no digits, every word under a label."""
    if header.bottom - line.bottom > 1.8 * header.height or _DIGIT.search(line.text):
        return False
    return all(any(_span(lab)[0] - 2 <= w.centre <= _span(lab)[1] + 2 for lab in labels) for w in line.words)


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
        out.append(Word(w.text[:cut], w.x0, w.lefts[cut], w.bottom, w.height, w.lefts[:cut]))
        out.append(Word(w.text[cut:], w.lefts[cut], w.x1, w.bottom, w.height, w.lefts[cut:]))
    return out


def _cells(words: list[Word], edges: list[float], by_start: list[bool], ncols: int) -> list[str]:
    """Put each word in its column. At the start of a left-aligned column a word belongs where it
    starts (a clipped name's hidden tail stays with it); elsewhere where its centre is (a wide
    right-aligned number may start left of the gutter)."""
    cells: list[list[Word]] = [[] for _ in range(ncols)]
    for w in words:
        col = sum(1 for e, start in zip(edges, by_start) if (w.x0 if start else w.centre) > e)
        cells[col].append(w)
    out = []
    for cell in cells:
        text = ""
        for k, w in enumerate(cell):
            touching = k and w.x0 - cell[k - 1].x1 < 0.12 * w.height
            text += w.text if (not k or touching) else " " + w.text
        out.append(text)
    return out


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
    width = int(max(_span(lab)[1] for lab in labels) * scale) + 8
    width = max(width, int(max(w.x1 for line in lines for w in line.words) * scale) + 8)
    cover = np.zeros(width + 1, dtype=np.int32)
    for line in lines:
        for w in line.words:
            cover[max(int(w.x0 * scale), 0)] += 1
            cover[min(int(w.x1 * scale) + 1, width)] -= 1
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
        lo = int(sum(_span(labels[i])) / 2 * scale)
        hi = int(sum(_span(labels[i + 1])) / 2 * scale)
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
        if not row.cells[anchor] and current is not None and close:
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


def _read_page(lines: list[Line], pno: int) -> tuple[list[RawRow], bool]:
    """Rows of one page: text above the table as single cells, the header, then table lines."""
    rows: list[RawRow] = []
    labels: list[list[Word]] | None = None
    header_at = None
    body: list[tuple[int, Line]] = []
    for lno, line in enumerate(lines, start=1):
        loc = f"page {pno} line {lno}"
        if labels is None:
            labels = _header_labels(line)
            if labels is None:
                rows.append(RawRow([line.text], loc))  # title, notes, "Time run:" above the table
                continue
            header_at = len(rows)
            rows.append(RawRow([], loc))
            continue
        if header_at == len(rows) - 1 and _is_continuation(line, lines[lno - 2], labels):
            for w in line.words:  # join 'number' onto 'Transaction' and so on
                min(labels, key=lambda lab: abs(sum(_span(lab)) / 2 - w.centre)).append(w)
            rows.append(RawRow([line.text], loc, nondata="second line of the header"))
            continue
        body.append((len(rows), line))
        rows.append(RawRow([], loc))
    if labels is None:
        return rows, False
    rows[header_at].cells = [" ".join(w.text for w in lab) for lab in labels]
    hard_starts = _hard_starts(labels, [line for _, line in body])
    edges = _gutter_edges(labels, [line for _, line in body], hard_starts)
    by_start = [any(abs(_span(lab)[0] - x) < 0.01 for x in hard_starts) for lab in labels[1:]]
    for i, line in body:
        rows[i].cells = _cells(_split_run_in_numbers(line.words, hard_starts), edges, by_start, len(labels))
    _join_wrapped(rows, body, len(labels))
    return rows, True


def read_pdf(data: bytes, source: str) -> RawFile:
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise CorruptFile(source, f"the PDF cannot be opened ({e})") from None
    rows: list[RawRow] = []
    found = False
    try:
        for pno in range(len(doc)):
            page = doc[pno]
            try:
                page_rows, has_table = _read_page(_page_lines(page), pno + 1)
            finally:
                page.close()
            rows.extend(page_rows)
            found = found or has_table
    finally:
        doc.close()
    if not found:
        raise NoTableFound(source, "no table header found in the PDF (is it a scan, or not a spend report?)")
    return RawFile("pdf", [Sheet(None, rows)])
