"""Line index and LSP position conversion in utf-8, utf-16 and utf-32.

Inside the server every position is (line, column) with the column counted in
Unicode code points, i.e. an index into the Python string of that line. LSP
columns are counted in the negotiated encoding's code units; this module is the
only place that converts between the two, so no other code indexes a Python
string with an LSP column. pygls's own codec has known edge-case bugs (past the
end of the last line, astral characters before an empty last line), so the
server keeps its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import NamedTuple

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"
ENCODINGS = (UTF8, UTF16, UTF32)

_NEWLINE = re.compile(r"\r\n|\r|\n")


class Pos(NamedTuple):
    """A position in code points: line and column, both 0-based.

    Named tuples, not dataclasses: an analysis makes thousands of positions, and moving
    the findings below an inserted line rebuilds hundreds per keystroke; a frozen
    dataclass takes ~1.4x as long to build and ~3x as long to compare (generated Python
    code instead of tuple comparison in C)."""

    line: int
    col: int


class Span(NamedTuple):
    """A half-open range of code-point positions."""

    start: Pos
    end: Pos

    def contains(self, pos: Pos) -> bool:
        return self.start <= pos <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end


def split_lines(text: str) -> list[str]:
    """Split on the three LSP line endings (not on \\f, \\v or U+2028 as str.splitlines does)."""
    return _NEWLINE.split(text)


def units(text: str, encoding: str) -> int:
    """Number of code units `text` takes in `encoding`."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF16:
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


def col_to_units(line: str, col: int, encoding: str) -> int:
    """Code-point column on `line` to code units in `encoding` (clamped to the line)."""
    col = max(0, min(col, len(line)))
    if encoding == UTF32 or line.isascii():
        return col
    return units(line[:col], encoding)


def units_to_col(line: str, character: int, encoding: str) -> int:
    """Code units in `encoding` to a code-point column, clamped to the line length.

    A column that falls inside a character (half a surrogate pair, the middle of
    a UTF-8 sequence) rounds down to the start of that character.
    """
    if character <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(character, len(line))
    seen = 0
    for i, ch in enumerate(line):
        width = (
            (2 if ord(ch) > 0xFFFF else 1)
            if encoding == UTF16
            else len(ch.encode("utf-8", "surrogatepass"))
        )
        if seen + width > character:
            return i
        seen += width
    return len(line)


class LineIndex:
    """The lines of one text and the code-point offset where each begins."""

    __slots__ = ("_byte_starts", "line_starts", "lines", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        if "\r" in text:
            self.lines: list[str] = split_lines(text)
            self.line_starts: list[int] = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        else:
            # Only LF endings: str.split and running sums in C, ~6x faster than the regex
            # (~1 ms instead of ~6 for a 10,000-line file, paid on every open and analysis).
            self.lines = text.split("\n")
            self.line_starts = list(
                accumulate(map((1).__add__, map(len, self.lines[:-1])), initial=0)
            )
        self._byte_starts: list[int] | None = None

    @property
    def line_count(self) -> int:
        return len(self.lines)

    def line(self, n: int) -> str:
        return self.lines[n] if 0 <= n < len(self.lines) else ""

    def clamp(self, pos: Pos) -> Pos:
        """The nearest valid position: past the end goes to the end of the text."""
        if pos.line < 0:
            return Pos(0, 0)
        if pos.line >= len(self.lines):
            last = len(self.lines) - 1
            return Pos(last, len(self.lines[last]))
        return Pos(pos.line, max(0, min(pos.col, len(self.lines[pos.line]))))

    def offset(self, pos: Pos) -> int:
        """Code-point offset into `text` of a (clamped) position."""
        p = self.clamp(pos)
        return self.line_starts[p.line] + p.col

    def pos_at(self, offset: int) -> Pos:
        """The position of a code-point offset into `text`."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.line_starts, offset) - 1
        col = offset - self.line_starts[line]
        # An offset inside a CRLF pair belongs to the end of the line.
        return Pos(line, min(col, len(self.lines[line])))

    def row_at_byte(self, byte_offset: int) -> int:
        """The 0-based line of a UTF-8 byte offset (pos_at_byte without the column)."""
        if self._byte_starts is None:
            self._byte_starts = self._compute_byte_starts()
        line = bisect_right(self._byte_starts, byte_offset) - 1
        return max(0, min(line, len(self.lines) - 1))

    def pos_at_byte(self, byte_offset: int) -> Pos:
        """The position of a UTF-8 byte offset (as tree-sitter reports them)."""
        if self._byte_starts is None:
            self._byte_starts = self._compute_byte_starts()
        line = bisect_right(self._byte_starts, byte_offset) - 1
        line = max(0, min(line, len(self.lines) - 1))
        rel = byte_offset - self._byte_starts[line]
        text = self.lines[line]
        if text.isascii():
            return Pos(line, min(rel, len(text)))
        col = len(text.encode("utf-8", "surrogatepass")[:rel].decode("utf-8", "ignore"))
        return Pos(line, col)

    def edited(self, start: Pos, end: Pos, new_text: str) -> LineIndex:
        """The index of the text after replacing [start, end) with `new_text`.

        Splices the line list instead of re-splitting the whole text: on a 10,000-line
        document that is the difference between ~0.3 ms and ~7 ms per keystroke on the
        event loop. Text with CR line endings takes the plain path, where a CR next to
        an LF can pair up across the edit.
        """
        start, end = self.clamp(start), self.clamp(end)
        a, b = self.offset(start), self.offset(end)
        text = self.text[:a] + new_text + self.text[b:]
        if "\r" in new_text or "\r" in self.text:
            return LineIndex(text)
        head = self.lines[start.line][: start.col]
        tail = self.lines[end.line][end.col :]
        middle = (head + new_text + tail).split("\n")
        index = LineIndex.__new__(LineIndex)
        index.text = text
        index.lines = [*self.lines[: start.line], *middle, *self.lines[end.line + 1 :]]
        first = self.line_starts[start.line]
        starts = self.line_starts[: start.line + 1]
        for line in middle[:-1]:
            first += len(line) + 1
            starts.append(first)
        delta = len(new_text) - (b - a)
        after = self.line_starts[end.line + 1 :]
        starts.extend(map(delta.__add__, after) if delta else after)
        index.line_starts = starts
        index._byte_starts = None
        if self._byte_starts is not None and self._byte_starts is not self.line_starts:
            # Not ASCII: splice the byte offsets too (computing them is a pass over every
            # line, ~3 ms per keystroke on a 10,000-line file with one accented letter).
            index._byte_starts = self._spliced_byte_starts(start.line, end.line, middle, index)
        return index

    def _spliced_byte_starts(
        self, first: int, last: int, middle: list[str], new: LineIndex
    ) -> list[int] | None:
        """Byte starts of `new`, which replaced lines first..last of this index by `middle`."""
        if new.text.isascii():
            return new.line_starts
        old = self._byte_starts
        assert old is not None
        starts = old[: first + 1]
        at = starts[-1]
        for line in middle[:-1]:
            at += len(line.encode("utf-8", "surrogatepass")) + 1
            starts.append(at)
        # The first unchanged line after the edit: where it starts now, and before.
        if last + 1 < len(old):
            tail = middle[-1]
            now = at + len(tail.encode("utf-8", "surrogatepass")) + 1
            shift = now - old[last + 1]
            starts.extend(map(shift.__add__, old[last + 1 :]))
        return starts

    def _compute_byte_starts(self) -> list[int]:
        if self.text.isascii():
            return self.line_starts
        starts = [0]
        for i, text in enumerate(self.lines[:-1]):
            newline = self.line_starts[i + 1] - self.line_starts[i] - len(text)
            starts.append(starts[-1] + len(text.encode("utf-8", "surrogatepass")) + newline)
        return starts

    # -- LSP conversion -------------------------------------------------

    def to_client(self, pos: Pos, encoding: str) -> tuple[int, int]:
        """(line, character) in the client's encoding for a code-point position."""
        p = self.clamp(pos)
        return p.line, col_to_units(self.lines[p.line], p.col, encoding)

    def from_client(self, line: int, character: int, encoding: str) -> Pos:
        """A code-point position for an LSP (line, character), clamped into the text."""
        if line < 0:
            return Pos(0, 0)
        if line >= len(self.lines):
            last = len(self.lines) - 1
            return Pos(last, len(self.lines[last]))
        return Pos(line, units_to_col(self.lines[line], character, encoding))
