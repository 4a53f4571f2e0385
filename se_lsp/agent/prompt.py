"""What the model sees: the selection with document line numbers, its context and hints.

Everything that leaves the process goes through `build_prompt`, which redacts
secrets (keeping every line break, so the numbers shown stay true) and enforces
the selection limits. The system prompt is not built here: it is the agent file's
body, sent byte-identical first in every request so endpoints can cache it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from se_lsp.core.findings import Finding
from se_lsp.core.languages import ALL as ALL_LANGUAGES
from se_lsp.core.languages import parser
from se_lsp.core.policy import Excluder, redact
from se_lsp.core.positions import LineIndex, Span

PROMPT_VERSION = "1"

LANGUAGE_NAMES = {lang.id: lang.name for lang in ALL_LANGUAGES}
FUNCTION_TYPES = {lang.id: lang.function_types for lang in ALL_LANGUAGES}
_BODY_FIELDS = ("body",)
MAX_HEADER_CHARS = 400


class PromptError(Exception):
    """The selection cannot be sent; the message says why, for the user."""


@dataclass(frozen=True)
class Prompt:
    """The user message and the facts needed to map the reply back to the document."""

    user: str
    language: str
    first_line: int  # 0-based document line of the first snippet line
    last_line: int  # 0-based, inclusive
    lines: tuple[str, ...]  # the snippet's lines as sent (redacted)
    redactions: int
    context: str = ""  # the enclosing function's header, as sent

    @property
    def normalized(self) -> str:
        """The snippet without trailing spaces or surrounding blank lines (for the cache key)."""
        return "\n".join(line.rstrip() for line in self.lines).strip("\n")

    @property
    def cache_text(self) -> str:
        """What the answer depends on, without line numbers, so moved code still hits."""
        return f"{self.language}\n{self.context}\n{self.normalized}"


def selected_lines(span: Span) -> tuple[int, int]:
    """Whole lines covered by a selection; an end at column 0 does not take its line."""
    last = span.end.line
    if span.end.col == 0 and last > span.start.line:
        last -= 1
    return span.start.line, last


def enclosing_header(text: str, language: str, line: int) -> tuple[int, str] | None:
    """The header (signature up to its body) of the innermost function holding `line`."""
    types = FUNCTION_TYPES.get(language)
    if not types:
        return None
    data = text.encode("utf-8")
    tree = parser(language).parse(data)
    node = tree.root_node.descendant_for_point_range((line, 0), (line, 0))
    best = None
    while node is not None:
        if node.type in types:
            best = node
            break
        node = node.parent
    if best is None:
        return None
    body = best.child_by_field_name("body")
    end = body.start_byte if body is not None else best.end_byte
    header = data[best.start_byte : end].decode("utf-8", "replace").rstrip()
    if len(header) > MAX_HEADER_CHARS:
        header = header[:MAX_HEADER_CHARS] + " …"
    return best.start_point[0], header


def is_excluded(path: Path | None, root: Path | None, patterns: list[str]) -> str | None:
    """The pattern that keeps `path` out of every prompt (secret files always), or None."""
    if path is None:
        return None
    return Excluder(root, patterns, secrets=True).excluded(path)


def looks_binary(text: str) -> bool:
    """NUL bytes, or more than 1 in 20 characters that are control codes other than tab/CR."""
    if "\x00" in text:
        return True
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n")
    return controls * 20 > max(len(text), 1)


def build_prompt(
    text: str,
    language: str,
    span: Span,
    *,
    hints: Sequence[Finding] = (),
    max_lines: int = 400,
    max_bytes: int = 32_000,
    index: LineIndex | None = None,
) -> Prompt:
    """The user message for a selection; raises PromptError when it is empty or too large."""
    index = index or LineIndex(text)
    first, last = selected_lines(span)
    last = min(last, index.line_count - 1)
    raw = [index.line(n) for n in range(first, last + 1)]
    if not any(line.strip() for line in raw):
        raise PromptError("The selection is empty: select the code to review.")
    n_lines = len(raw)
    n_bytes = len("\n".join(raw).encode("utf-8"))
    if n_lines > max_lines or n_bytes > max_bytes:
        raise PromptError(
            f"The selection is too large for the agent: {n_lines} lines / {n_bytes} bytes, "
            f"the limit is {max_lines} lines / {max_bytes} bytes "
            "(seLsp.limits.maxSelectionLines / maxSelectionBytes)."
        )
    if looks_binary("\n".join(raw)):
        raise PromptError(
            "The selection looks like binary data, not source code (NUL or many control "
            "characters): it is not sent to the agent."
        )
    redaction = redact("\n".join(raw))
    lines = tuple(redaction.text.split("\n"))
    assert len(lines) == len(raw), "redaction must keep line breaks"
    width = max(4, len(str(last + 1)))
    numbered = "\n".join(f"{n:>{width}}| {line}" for n, line in enumerate(lines, first + 1))
    parts = [f"Language: {LANGUAGE_NAMES.get(language, language)}"]
    redactions = redaction.count
    context = ""
    header = enclosing_header(text, language, first)
    if header is not None and header[0] < first:
        h = redact(header[1])
        redactions += h.count
        context = h.text
        parts.append(
            f"The selection is inside this function (line {header[0] + 1}):\n```\n{h.text}\n```"
        )
    parts.append(
        f"Selected code, lines {first + 1} to {last + 1} (the number before '|' is the line "
        f"number in the file):\n```\n{numbered}\n```"
    )
    relevant = [f for f in hints if first <= f.span.start.line <= last]
    if relevant:
        hint_lines = "\n".join(
            f"- line {f.span.start.line + 1}: {f.code}: {redact(f.title).text}" for f in relevant
        )
        parts.append(
            "A static analyzer already reported these (confirm, refine or ignore them; do not "
            f"repeat them unless you add something):\n{hint_lines}"
        )
    parts.append("Reply with the JSON object described in your instructions.")
    return Prompt(
        user="\n\n".join(parts),
        language=language,
        first_line=first,
        last_line=last,
        lines=lines,
        redactions=redactions,
        context=context,
    )
