"""Suppression comments users already write, honoured for the rules that mirror their checks.

A rule's `mirrors` ("tool:check") say which comments silence it:

- `// se-lsp: ignore` or `// se-lsp: ignore[rule-id, ...]` after code on the line, or on a
  line of its own above it;
- clang-tidy: `// NOLINT`, `// NOLINT(check, ...)` on the line, `// NOLINTNEXTLINE(...)` on
  the line above, `// NOLINTBEGIN(...)` ... `// NOLINTEND(...)` around lines; check names
  may use `*` globs; without a list they silence every rule;
- golangci-lint: `//nolint` or `//nolint:linter,...` at the end of a line silences that
  line; on a line of its own it silences the statement or declaration that follows;
- staticcheck: `//lint:ignore Check[,Check] reason` silences the statement that follows,
  `//lint:file-ignore Check reason` the whole file.

Language-specific forms (Rust's `#[allow(clippy::...)]`) are the language package's job.
The scan is one linear regular expression over the source; each hit is confirmed to sit
in a comment by asking the tree, so a string that says "NOLINT" silences nothing.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from tree_sitter import Node

from se_lsp.core.positions import LineIndex

# Anything that can start a suppression. Linear: literal alternatives, no nesting.
_MARKER = re.compile(rb"se-lsp:[ \t]*ignore|NOLINT|//nolint|lint:(?:file-)?ignore")
# Byte strings whose presence in an edit means suppressions may have changed (incremental
# re-analysis falls back to a whole-file pass when an edit touches one).
EDIT_SENSITIVE = (b"se-lsp", b"NOLINT", b"nolint", b"lint:")

# golangci-lint linter names for a mirror's tool (staticcheck's S checks were gosimple's).
_GOLANGCI = {
    "staticcheck": ("staticcheck", "gosimple", "stylecheck"),
    "gocritic": ("gocritic",),
    "prealloc": ("prealloc",),
    "perfsprint": ("perfsprint",),
    "revive": ("revive",),
    "govet": ("govet",),
}

ALL = ("*",)


def mirror_parts(mirror: str) -> tuple[str, str]:
    """("clang-tidy", "performance-avoid-endl") from "clang-tidy:performance-avoid-endl"."""
    tool, _, check = mirror.partition(":")
    return tool.strip(), check.strip()


def _matches(names: tuple[str, ...], candidates: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(c, n) for n in names for c in candidates)


@dataclass(frozen=True, slots=True)
class _Span:
    first: int  # 0-based lines, inclusive
    last: int
    kind: str  # "se-lsp", "clang-tidy", "golangci", "staticcheck"
    names: tuple[str, ...]  # ALL for every rule


# `last` of a span that runs to the end of the file (`//lint:file-ignore`).
_END = 1 << 62


def touches_marker(source: bytes, lo: int, hi: int) -> bool:
    """Whether the lines holding bytes [lo, hi) of `source` hold anything that can start a
    suppression. Markers never span lines, and what follows one on its line (a check list,
    a reason) is part of it, so an edit changes suppressions only if its lines hold one."""
    first = source.rfind(b"\n", 0, lo) + 1
    end = source.find(b"\n", hi)
    line = source[first : len(source) if end < 0 else end]
    return any(m in line for m in EDIT_SENSITIVE)


@dataclass
class Suppressions:
    """The suppression comments of one file, found once per analysis."""

    spans: list[_Span] = field(default_factory=list)

    def moved(self, first: int, last: int, delta: int) -> Suppressions | None:
        """These suppressions after an edit that touched no marker and changed old lines
        first..last (0-based, inclusive), adding `delta` lines: spans above are kept, spans
        below move by `delta`. None (scan again) when a span starts or ends within a line
        of the edited ones: its extent may follow the code there (the statement after a
        `//nolint` line, the line below a `se-lsp: ignore`)."""
        if not self.spans:
            return self
        out = Suppressions()
        for s in self.spans:
            if s.last < first - 1:
                out.spans.append(s)
            elif s.first > last + 1:
                out.spans.append(_Span(s.first + delta, s.last + delta, s.kind, s.names))
            elif s.first < first - 1 and s.last > last + 1:
                # Around the edit (NOLINTBEGIN ... NOLINTEND, a whole-file ignore).
                end = s.last if s.last == _END else s.last + delta
                out.spans.append(_Span(s.first, end, s.kind, s.names))
            else:
                return None
        return out

    @classmethod
    def scan(cls, source: bytes, root: Node, index: LineIndex) -> Suppressions:
        found = cls()
        if not any(m in source for m in EDIT_SENSITIVE):
            return found
        begins: list[tuple[int, tuple[str, ...]]] = []
        for m in _MARKER.finditer(source):
            comment = root.descendant_for_byte_range(m.start(), m.end())
            if comment is None or "comment" not in comment.type:
                continue
            line = index.pos_at_byte(m.start()).line
            after_code = _code_before(source, comment.start_byte)
            end_of_line = source.find(b"\n", m.end())
            rest = source[m.end() : end_of_line if end_of_line >= 0 else len(source)]
            rest_text = rest.decode("utf-8", "replace")
            token = m.group(0)
            if token.startswith(b"se-lsp"):
                # After code: that line. On a line of its own: the line below too.
                last = line if after_code else line + 1
                found.spans.append(_Span(line, last, "se-lsp", _bracketed(rest_text)))
            elif token == b"NOLINT":
                found._clang_tidy(line, rest_text, begins)
            elif token == b"//nolint":
                names = _golangci_names(rest_text)
                if names is None:
                    continue  # `//nolintfoo` is something else
                first, last = (
                    (line, line) if after_code else _following_statement(root, index, line)
                )
                found.spans.append(_Span(first, last, "golangci", names))
            else:  # lint:ignore / lint:file-ignore
                checks = rest_text.strip().split(None, 1)
                if not checks:
                    continue
                names = tuple(c for c in checks[0].split(",") if c)
                if token == b"lint:file-ignore":
                    found.spans.append(_Span(0, _END, "staticcheck", names))
                else:
                    first, last = _following_statement(root, index, line)
                    found.spans.append(_Span(first, last, "staticcheck", names))
        return found

    def _clang_tidy(self, line: int, rest: str, begins: list[tuple[int, tuple[str, ...]]]) -> None:
        for suffix in ("NEXTLINE", "BEGIN", "END", ""):
            if rest.startswith(suffix):
                break
        tail = rest[len(suffix) :]
        if tail[:1].isalnum() or tail[:1] == "_":
            return  # NOLINTFOO is not a marker
        names = _parenthesised(tail)
        if suffix == "NEXTLINE":
            self.spans.append(_Span(line + 1, line + 1, "clang-tidy", names))
        elif suffix == "BEGIN":
            begins.append((line, names))
        elif suffix == "END":
            for i in range(len(begins) - 1, -1, -1):
                if begins[i][1] == names:
                    start, _ = begins.pop(i)
                    self.spans.append(_Span(start, line, "clang-tidy", names))
                    break
        else:
            self.spans.append(_Span(line, line, "clang-tidy", names))

    def covers(self, line: int, rule_id: str, mirrors: tuple[str, ...]) -> bool:
        """True when a comment silences rule `rule_id` on 0-based `line`."""
        for s in self.spans:
            if not s.first <= line <= s.last:
                continue
            if s.names == ALL:
                return True
            if s.kind == "se-lsp":
                if rule_id in s.names:
                    return True
                continue
            for mirror in mirrors:
                tool, check = mirror_parts(mirror)
                if s.kind == "clang-tidy" and tool == "clang-tidy":
                    if _matches(s.names, [check]):
                        return True
                elif s.kind == "golangci" and tool in _GOLANGCI:
                    if _matches(s.names, list(_GOLANGCI[tool])):
                        return True
                elif (
                    s.kind == "staticcheck" and tool == "staticcheck" and _matches(s.names, [check])
                ):
                    return True
        return False


def _bracketed(rest: str) -> tuple[str, ...]:
    """`[a, b]` right after the marker: the ids; nothing: every rule."""
    rest = rest.lstrip()
    if not rest.startswith("["):
        return ALL
    inner = rest[1:].split("]", 1)[0]
    return tuple(i.strip() for i in inner.split(",") if i.strip()) or ALL


def _parenthesised(rest: str) -> tuple[str, ...]:
    if not rest.startswith("("):
        return ALL
    inner = rest[1:].split(")", 1)[0]
    return tuple(i.strip() for i in inner.split(",") if i.strip()) or ALL


def _golangci_names(rest: str) -> tuple[str, ...] | None:
    if not rest or rest[0] in " \t/\r":
        return ALL
    if rest[0] != ":":
        return None
    names = rest[1:].split(None, 1)[0] if rest[1:].strip() else ""
    return tuple(n.strip() for n in names.split(",") if n.strip()) or ALL


def _code_before(source: bytes, offset: int) -> bool:
    """True when the comment at `offset` follows code on its line (a trailing comment)."""
    start = source.rfind(b"\n", 0, offset) + 1
    return bool(source[start:offset].strip())


def _following_statement(root: Node, index: LineIndex, line: int) -> tuple[int, int]:
    """The lines of the statement or declaration that starts on the next line with code."""
    n = line + 1
    while n < index.line_count and not index.line(n).strip():
        n += 1
    if n >= index.line_count:
        return line + 1, line + 1
    text = index.line(n)
    col = len(text) - len(text.lstrip())
    node = root.descendant_for_point_range((n, col), (n, col))
    # Climb to the outermost node that starts at the same place (the whole statement).
    while node is not None and node.parent is not None and node.parent.parent is not None:
        if node.parent.start_point != node.start_point:
            break
        node = node.parent
    if node is None:
        return n, n
    return n, max(n, node.end_point[0])
