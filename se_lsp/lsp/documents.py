"""Open documents: text, version, line index and the findings published for them.

The server keeps its own copy of each document instead of pygls's workspace so
that every edit goes through the one position converter in positions.py, and
so the line index is built once per version, not once per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types

from se_lsp.core.findings import Finding
from se_lsp.core.languages import language_for
from se_lsp.core.positions import LineIndex, Pos, Span


@dataclass
class Document:
    uri: str
    language_id: str
    version: int
    text: str
    language: str | None
    builtin: list[Finding] = field(default_factory=list)
    agent: list[Finding] = field(default_factory=list)
    # Findings of the linters (clippy, clang-tidy, staticcheck, go vet) from the last save.
    linted: list[Finding] = field(default_factory=list)
    summaries: list[tuple[Span, str, str]] = field(default_factory=list)
    # The built-in findings already rendered as a JSON array on the analysis thread:
    # (the findings list it renders, position encoding, JSON text).
    rendered: tuple[list[Finding], str, str] | None = field(default=None, repr=False)
    _index: LineIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> LineIndex:
        if self._index is None or self._index.text is not self.text:
            self._index = LineIndex(self.text)
        return self._index

    def built_index(self) -> LineIndex | None:
        """The line index if it is already built for the current text (never builds it)."""
        return self._index if self._index is not None and self._index.text is self.text else None

    def adopt_index(self, index: LineIndex) -> None:
        """Keep an index built elsewhere (on a worker thread) if it matches the text."""
        if index.text is self.text:
            self._index = index

    _merged: tuple[list[Finding], list[Finding], list[Finding]] | None = field(
        default=None, repr=False
    )

    def local_findings(self) -> list[Finding]:
        """Built-in and linter findings, one where a rule and the check it mirrors agree."""
        if not self.linted:
            return self.builtin
        cached = self._merged
        if cached is not None and cached[0] is self.builtin and cached[1] is self.linted:
            return cached[2]
        from se_lsp.linters.merge import merge

        kept, left = merge(self.builtin, self.linted)
        merged = [*kept, *left]
        self._merged = (self.builtin, self.linted, merged)
        return merged

    @property
    def findings(self) -> list[Finding]:
        return [*self.local_findings(), *self.agent]

    def apply(self, change: types.TextDocumentContentChangeEvent, encoding: str) -> None:
        """Apply one content change (full or incremental) from the client."""
        if isinstance(change, types.TextDocumentContentChangePartial):
            index = self.index
            start = index.from_client(
                change.range.start.line, change.range.start.character, encoding
            )
            end = index.from_client(change.range.end.line, change.range.end.character, encoding)
            if end < start:
                start, end = end, start
            old_lines = end.line - start.line
            new_lines = _count_newlines(change.text)
            self._index = index.edited(start, end, change.text)
            self.text = self._index.text
            self._track_agent_findings(start, end, old_lines, new_lines)
        else:
            self.text = change.text
            self.agent = []
            self.linted = []
            self.summaries = []

    def _track_agent_findings(self, start: Pos, end: Pos, old_lines: int, new_lines: int) -> None:
        """Keep agent and linter findings on their code: shift below the edit, drop where it
        touched them (the built-in analyzer simply runs again)."""
        delta = new_lines - old_lines

        def track(findings: list[Finding]) -> list[Finding]:
            kept: list[Finding] = []
            for f in findings:
                if f.span.end.line < start.line:
                    kept.append(f)
                elif f.span.start.line > end.line:
                    kept.append(f.shifted(delta) if delta else f)
                # else: the edit touched the finding's own lines; it no longer describes them.
            return kept

        self.agent = track(self.agent)
        if self.linted:
            self.linted = track(self.linted)
        summaries = []
        for span, text, source in self.summaries:
            if span.end.line < start.line:
                summaries.append((span, text, source))
            elif span.start.line > end.line:
                moved = Span(
                    Pos(span.start.line + delta, 0), Pos(span.end.line + delta, span.end.col)
                )
                summaries.append((moved, text, source))
        self.summaries = summaries

    def findings_at(self, pos: Pos) -> list[Finding]:
        return [f for f in self.findings if f.span.contains(pos)]

    def find(self, key: str) -> Finding | None:
        for f in self.findings:
            if f.key == key:
                return f
        return None


def _count_newlines(text: str) -> int:
    return len(LineIndex(text).lines) - 1


class DocumentStore:
    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def open(self, item: types.TextDocumentItem) -> Document:
        doc = Document(
            uri=item.uri,
            language_id=item.language_id,
            version=item.version,
            text=item.text,
            language=language_for(item.uri, item.language_id),
        )
        self._docs[item.uri] = doc
        return doc

    def change(self, params: types.DidChangeTextDocumentParams, encoding: str) -> Document | None:
        doc = self._docs.get(params.text_document.uri)
        if doc is None:
            return None
        for change in params.content_changes:
            doc.apply(change, encoding)
        doc.version = params.text_document.version
        return doc

    def close(self, uri: str) -> Document | None:
        return self._docs.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def all(self) -> list[Document]:
        return list(self._docs.values())


__all__ = ["Document", "DocumentStore"]
