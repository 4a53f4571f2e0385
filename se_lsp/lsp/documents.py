"""Open documents: text, version and line index; nothing else.

The server keeps its own copy of each document instead of pygls's workspace so
that every edit goes through the one position converter in positions.py, and
so the line index is built once per version, not once per request. What was
found in a document lives in diagnostics.py, keyed by (document, source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types

from se_lsp.core.languages import language_for
from se_lsp.core.positions import LineIndex, Pos


@dataclass(frozen=True, slots=True)
class Edit:
    """One change as applied: [start, end) of the old text became `text`.

    Offsets are code points into the text before the change, so the analysis
    process can replay the edit on its own copy without converting positions.
    """

    start: Pos
    end: Pos
    start_offset: int
    end_offset: int
    text: str
    added_lines: int  # line breaks in `text` minus those in [start, end)

    @property
    def removed_lines(self) -> int:
        return self.end.line - self.start.line


@dataclass
class Document:
    uri: str
    language_id: str
    version: int
    text: str
    language: str | None  # the se-lsp language id, or None when not Rust, C++ or Go
    _index: LineIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> LineIndex:
        """The line index of the current text (built on first use after a full change)."""
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

    def apply(self, change: types.TextDocumentContentChangeEvent, encoding: str) -> Edit | None:
        """Apply one content change from the client; None when it replaced the whole text."""
        if not isinstance(change, types.TextDocumentContentChangePartial):
            self.text = change.text
            self._index = None
            return None
        index = self.index
        start = index.from_client(change.range.start.line, change.range.start.character, encoding)
        end = index.from_client(change.range.end.line, change.range.end.character, encoding)
        if end < start:  # an inverted range: the client means the same span
            start, end = end, start
        a, b = index.offset(start), index.offset(end)
        self._index = index.edited(start, end, change.text)
        self.text = self._index.text
        added = _count_line_breaks(change.text) - (end.line - start.line)
        return Edit(start, end, a, b, change.text, added)


def _count_line_breaks(text: str) -> int:
    if "\r" not in text:
        return text.count("\n")
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

    def change(
        self, params: types.DidChangeTextDocumentParams, encoding: str
    ) -> tuple[Document, list[Edit] | None] | None:
        """Apply the changes; the edits made, or None for them when the text was replaced."""
        doc = self._docs.get(params.text_document.uri)
        if doc is None:
            return None
        edits: list[Edit] | None = []
        for change in params.content_changes:
            edit = doc.apply(change, encoding)
            if edit is None:
                edits = None
            elif edits is not None:
                edits.append(edit)
        doc.version = params.text_document.version
        return doc, edits

    def close(self, uri: str) -> Document | None:
        return self._docs.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def all(self) -> list[Document]:
        return list(self._docs.values())


__all__ = ["Document", "DocumentStore", "Edit"]
