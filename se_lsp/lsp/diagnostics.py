"""What was found in each open document, keyed by (document, source), and the publisher.

Every backend writes its findings here under its own source (`se-lsp` for the
built-in rules, the agent's name for each agent); every feature reads them here
(hover, code actions, the agent's hints). `publish` is the only place that sends
`textDocument/publishDiagnostics`: it merges the sources of a document and keeps
each source's rendered JSON until that source changes, so a keystroke that only
moves agent findings does not re-render 600 built-in ones.

A source may fold into the built-in one (the linters do): where one of its findings
says what a built-in finding on the same lines says (the rule mirrors that check), the
two are shown once, as the built-in finding naming both; the folded view is worked out
when either side changes, and only for documents that have such sources.

A source either follows edits (agent findings: shifted below an edit, dropped
where the edit touched them) or is refreshed by its owner after each edit (the
built-in analyzer). While an owner-refreshed source is behind the document, the
document is not published: what would be sent would describe older text. The
owner's next `replace` brings it up to date and publishes.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from se_lsp.core.findings import BUILTIN_SOURCE, ROW_KEY, Finding, Row, from_row
from se_lsp.core.positions import Pos, Span
from se_lsp.lsp.documents import DocumentStore, Edit
from se_lsp.lsp.render import Href, no_href, render

# (method, params as JSON text): how the publisher hands a notification to the protocol.
Send = Callable[[str, str], None]

PUBLISH_DIAGNOSTICS = "textDocument/publishDiagnostics"


class PackedFindings(Sequence[Finding]):
    """Findings received as rows from the analysis process, made into objects on demand.

    The rows stay pickled until something asks for them, and each Finding is built
    only when that one is read: a hover over one line of a 10,000-line file touches
    two rows, not 600.
    """

    def __init__(self, blob: bytes, count: int | None = None) -> None:
        self._blob: bytes | None = blob
        self._rows: list[Row] | None = None
        self._made: dict[int, Finding] = {}
        # How many there are, known without unpacking them (publishing asks).
        self._count = count

    @property
    def rows(self) -> list[Row]:
        if self._rows is None:
            assert self._blob is not None
            self._rows = pickle.loads(self._blob) if self._blob else []
            self._blob = None
        return self._rows

    def __len__(self) -> int:
        if self._count is None:
            self._count = len(self.rows)
        return self._count

    @overload
    def __getitem__(self, i: int) -> Finding: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Finding]: ...
    def __getitem__(self, i: int | slice) -> Finding | Sequence[Finding]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = from_row(self.rows[i])
        return made

    def lines(self, i: int) -> tuple[int, int, int, int]:
        r = self.rows[i]
        return r[0], r[1], r[2], r[3]

    def key(self, i: int) -> str:
        return str(self.rows[i][ROW_KEY])


@dataclass
class Rendered:
    """A source's diagnostics as comma-separated JSON objects, for one text and encoding."""

    text: str
    encoding: str
    version: int


@dataclass
class _Entry:
    findings: Sequence[Finding]
    version: int
    follows_edits: bool
    rendered: Rendered | None = None
    summaries: list[tuple[Span, str]] = field(default_factory=list)


def _spans(findings: Sequence[Finding]) -> Iterator[tuple[int, int, int, int, int]]:
    """(index, start line, start col, end line, end col) of each finding, cheaply."""
    if isinstance(findings, PackedFindings):
        for i in range(len(findings)):
            yield (i, *findings.lines(i))
    else:
        for i, f in enumerate(findings):
            yield i, f.span.start.line, f.span.start.col, f.span.end.line, f.span.end.col


@dataclass(frozen=True)
class Folding:
    """Sources whose findings fold into the built-in ones, and how (linters/merge.py)."""

    sources: frozenset[str]
    same: Callable[[Finding, Finding], bool]  # (built-in, other): do they say the same?
    combine: Callable[[Finding, Finding], Finding]  # the one finding naming both


_View = dict[str, list[Finding]]
_Folded = tuple[tuple[Sequence[Finding], ...], _View, dict[str, "Rendered"]]


class DiagnosticStore:
    def __init__(
        self,
        documents: DocumentStore,
        send: Send,
        encoding: Callable[[], str] = lambda: "utf-16",
        href: Href = no_href,
        folding: Folding | None = None,
    ) -> None:
        self._documents = documents
        self._send = send
        self._encoding = encoding
        self._href = href
        self._folding = folding
        self._entries: dict[str, dict[str, _Entry]] = {}
        # Folded views by document: (the lists folded, the view, its renders). The lists
        # themselves are kept (compared by identity), not their ids, which can be reused.
        self._views: dict[str, _Folded] = {}
        self.published = 0  # notifications sent (a figure for tests and benchmarks)

    # -- writing -----------------------------------------------------------------------

    def _entry(self, uri: str, source: str) -> _Entry:
        entries = self._entries.setdefault(uri, {})
        entry = entries.get(source)
        if entry is None:
            doc = self._documents.get(uri)
            entry = entries[source] = _Entry([], doc.version if doc else 0, True)
        return entry

    def replace(
        self,
        uri: str,
        source: str,
        findings: Sequence[Finding],
        *,
        version: int,
        follows_edits: bool = True,
        rendered: Rendered | None = None,
    ) -> None:
        """Replace what `source` found in `uri` (at document `version`)."""
        entry = self._entry(uri, source)
        entry.findings = findings
        entry.version = version
        entry.follows_edits = follows_edits
        entry.rendered = rendered

    def add(self, uri: str, source: str, finding: Finding) -> None:
        """Add one finding (replacing one with the same key), as an agent streams them."""
        entry = self._entry(uri, source)
        entry.findings = [f for f in entry.findings if f.key != finding.key] + [finding]
        entry.rendered = None

    def remove(self, uri: str, key: str) -> bool:
        """Drop the finding with `key` from whichever source has it (a dismissed finding)."""
        for entry in self._entries.get(uri, {}).values():
            kept = [f for f in entry.findings if f.key != key]
            if len(kept) != len(entry.findings):
                entry.findings, entry.rendered = kept, None
                return True
        return False

    def clear_lines(self, uri: str, source: str, first: int, last: int) -> None:
        """Drop the findings of `source` lying wholly within lines first..last."""
        entry = self._entries.get(uri, {}).get(source)
        if entry is None:
            return
        kept = [
            f
            for f in entry.findings
            if not (first <= f.span.start.line and f.span.end.line <= last)
        ]
        if len(kept) != len(entry.findings):
            entry.findings, entry.rendered = kept, None

    def set_summary(self, uri: str, source: str, span: Span, text: str) -> None:
        """The summary of `source` over `span`, replacing its summaries that overlap it."""
        entry = self._entry(uri, source)
        entry.summaries = [(s, t) for s, t in entry.summaries if not s.overlaps(span)]
        if text:
            entry.summaries.append((span, text))

    def edited(self, uri: str, edits: list[Edit] | None, version: int) -> None:
        """Move findings that follow edits; those the edits touched no longer apply."""
        for entry in self._entries.get(uri, {}).values():
            if not entry.follows_edits:
                continue  # its owner refreshes it; until then the document is not published
            if edits is None:  # the whole text was replaced
                entry.findings, entry.summaries = [], []
            else:
                for edit in edits:
                    entry.findings = _follow(entry.findings, edit)
                    entry.summaries = _follow_summaries(entry.summaries, edit)
            entry.version = version
            entry.rendered = None

    def forget(self, uri: str) -> None:
        """The document closed: drop everything and clear what the client shows."""
        self._entries.pop(uri, None)
        self._views.pop(uri, None)
        self._send(PUBLISH_DIAGNOSTICS, f'{{"uri": {json.dumps(uri)}, "diagnostics": []}}')
        self.published += 1

    # -- publishing --------------------------------------------------------------------

    def behind(self, uri: str) -> bool:
        """True while some source still describes an older text of the document."""
        doc = self._documents.get(uri)
        if doc is None:
            return False
        return any(e.version != doc.version for e in self._entries.get(uri, {}).values())

    def publish(self, uri: str) -> bool:
        """Send the document's findings from every source; False when it must wait."""
        doc = self._documents.get(uri)
        if doc is None or self.behind(uri):
            return False
        encoding = self._encoding()
        parts = []
        folded = self._folded(uri)
        for source, entry in self._entries.get(uri, {}).items():
            if folded is not None and source in folded[1]:
                shown = folded[1][source]
                r = folded[2].get(source)
                if r is None or r.encoding != encoding or r.version != doc.version:
                    text = render(shown, doc.index, encoding, uri, self._href)
                    r = folded[2][source] = Rendered(text, encoding, doc.version)
                if r.text:
                    parts.append(r.text)
                continue
            if not entry.findings:
                continue
            r = entry.rendered
            if r is None or r.encoding != encoding or r.version != doc.version:
                findings = entry.findings
                r = entry.rendered = Rendered(
                    render(findings, doc.index, encoding, uri, self._href), encoding, doc.version
                )
            if r.text:
                parts.append(r.text)
        params = (
            f'{{"uri": {json.dumps(uri)}, "version": {doc.version}, '
            f'"diagnostics": [{", ".join(parts)}]}}'
        )
        self._send(PUBLISH_DIAGNOSTICS, params)
        self.published += 1
        return True

    # -- folding -----------------------------------------------------------------------

    def _folded(self, uri: str) -> _Folded | None:
        """The document's findings with folding sources folded in; None when nothing folds."""
        folding = self._folding
        entries = self._entries.get(uri, {})
        base = entries.get(BUILTIN_SOURCE)
        if folding is None or base is None or not base.findings:
            return None
        others = [(s, e) for s, e in entries.items() if s in folding.sources and e.findings]
        if not others:
            return None
        lists = (base.findings, *(e.findings for _, e in others))
        cached = self._views.get(uri)
        if (
            cached is not None
            and len(cached[0]) == len(lists)
            and all(a is b for a, b in zip(cached[0], lists, strict=True))
        ):
            return cached if cached[1] else None
        spans = [(i, sl, el) for i, sl, _sc, el, _ec in _spans(base.findings)]
        combined: dict[int, Finding] = {}
        view: _View = {}
        for source, entry in others:
            kept = []
            for f in entry.findings:
                first, last = f.span.start.line, f.span.end.line
                for i, sl, el in spans:
                    if sl <= last and first <= el:
                        built_in = combined.get(i) or base.findings[i]
                        if folding.same(built_in, f):
                            combined[i] = folding.combine(built_in, f)
                            break
                else:
                    kept.append(f)
            if len(kept) != len(entry.findings):
                view[source] = kept
        if combined:
            view[BUILTIN_SOURCE] = [combined.get(i, f) for i, f in enumerate(base.findings)]
        result: _Folded = (lists, view, {})
        self._views[uri] = result
        return result if view else None

    def _current(self, uri: str) -> Iterator[tuple[str, Sequence[Finding]]]:
        """(source, findings) of the document, folded where sources fold."""
        folded = self._folded(uri)
        for source, entry in self._entries.get(uri, {}).items():
            if folded is not None and source in folded[1]:
                yield source, folded[1][source]
            else:
                yield source, entry.findings

    # -- reading -----------------------------------------------------------------------

    def empty(self, uri: str) -> bool:
        """True when nothing was found in `uri` and no summary covers any of it."""
        return not any(e.findings or e.summaries for e in self._entries.get(uri, {}).values())

    def of(self, uri: str, source: str) -> Sequence[Finding]:
        for s, findings in self._current(uri):
            if s == source:
                return findings
        return []

    def sources(self, uri: str) -> list[str]:
        return list(self._entries.get(uri, {}))

    def findings(self, uri: str, *, besides: str | None = None) -> list[Finding]:
        """Every finding in `uri` (leaving out source `besides`, if given)."""
        out: list[Finding] = []
        for source, findings in self._current(uri):
            if source != besides:
                out.extend(findings)
        return out

    def touching(self, uri: str, span: Span, keys: set[str] | None = None) -> list[Finding]:
        """Findings overlapping `span` (or whose key is in `keys`), in source order."""
        keys = keys or set()
        lo = (span.start.line, span.start.col)
        hi = (span.end.line, span.end.col)
        out = []
        for _source, findings in self._current(uri):
            for i, sl, sc, el, ec in _spans(findings):
                if ((sl, sc) <= hi and lo <= (el, ec)) or (keys and _key(findings, i) in keys):
                    out.append(findings[i])
        return out

    def at(self, uri: str, pos: Pos) -> list[Finding]:
        """Findings whose range holds `pos`."""
        return self.touching(uri, Span(pos, pos))

    def find(self, uri: str, key: str) -> Finding | None:
        for _source, findings in self._current(uri):
            for i in range(len(findings)):
                if _key(findings, i) == key:
                    return findings[i]
        return None

    def summaries_at(self, uri: str, pos: Pos) -> list[str]:
        return [
            text
            for entry in self._entries.get(uri, {}).values()
            for span, text in entry.summaries
            if span.contains(pos)
        ]


def _key(findings: Sequence[Finding], i: int) -> str:
    if isinstance(findings, PackedFindings):
        return findings.key(i)
    return findings[i].key


def _follow(findings: Sequence[Finding], edit: Edit) -> list[Finding]:
    """Findings above the edit stay, those below move by the lines it added, the rest go."""
    kept = []
    for f in findings:
        if f.span.end.line < edit.start.line:
            kept.append(f)
        elif f.span.start.line > edit.end.line:
            kept.append(f.shifted(edit.added_lines) if edit.added_lines else f)
    return kept


def _follow_summaries(summaries: list[tuple[Span, str]], edit: Edit) -> list[tuple[Span, str]]:
    kept = []
    delta = edit.added_lines
    for span, text in summaries:
        if span.end.line < edit.start.line:
            kept.append((span, text))
        elif span.start.line > edit.end.line:
            moved = Span(Pos(span.start.line + delta, 0), Pos(span.end.line + delta, span.end.col))
            kept.append((moved, text))
    return kept


__all__ = ["DiagnosticStore", "Folding", "PackedFindings", "Rendered"]
