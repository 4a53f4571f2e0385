"""The model's reply: tolerant parsing, streaming extraction, validation, mapping to findings.

A model is an untrusted source of text. Every finding is checked against the
snippet it was asked about before it can reach the editor: line numbers must be
inside the snippet, the anchor must match the line (or be re-found a few lines
away), a replacement must still parse, and every string is cleaned of terminal
escapes, invisible characters, images and raw HTML, and bounded in length.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jiter
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from se_lsp.agent.prompt import Prompt
from se_lsp.core.findings import CATEGORIES, Finding, Fix, Severity
from se_lsp.core.languages import parser
from se_lsp.core.policy import contains_placeholder, redact
from se_lsp.core.positions import LineIndex, Pos, Span

ANCHOR_WINDOW = 3
LIMITS = {"title": 200, "explanation": 4000, "impact": 1000, "measure": 1000, "summary": 4000}
MAX_REPLACEMENT = 20_000


class ReplyFinding(BaseModel):
    """One finding as the model wrote it (lenient: unknown keys ignored, odd values coerced)."""

    model_config = ConfigDict(extra="ignore")

    line_start: int
    line_end: int | None = None
    anchor: str = ""
    severity: str = "warning"
    category: str = "other"
    title: str
    explanation: str = ""
    replacement: str | None = None
    impact: str = ""
    measure: str = ""
    confidence: float = 0.5

    @field_validator(
        "anchor", "explanation", "impact", "measure", "severity", "category", mode="before"
    )
    @classmethod
    def _none_to_empty(cls, v: Any) -> Any:
        return "" if v is None else v


class Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    summary: str | None = None
    findings: list[ReplyFinding] = []


def response_schema() -> dict[str, Any]:
    """The reply contract as a flat JSON schema (no $ref: local grammar engines vary)."""
    text = {"type": "string"}
    finding = {
        "type": "object",
        "properties": {
            "line_start": {"type": "integer"},
            "line_end": {"type": "integer"},
            "anchor": text,
            "severity": {"type": "string", "enum": [s.value for s in Severity]},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "title": text,
            "explanation": text,
            "replacement": {"type": ["string", "null"]},
            "impact": text,
            "measure": text,
            "confidence": {"type": "number"},
        },
        "additionalProperties": False,
    }
    finding["required"] = list(finding["properties"])  # type: ignore[call-overload]
    return {
        "type": "object",
        "properties": {"summary": text, "findings": {"type": "array", "items": finding}},
        "required": ["summary", "findings"],
        "additionalProperties": False,
    }


# -- tolerant parsing ---------------------------------------------------------------

_OBJECT_START = re.compile(r"\{\s*(?:\"|\})")


def _start(text: str) -> int:
    m = _OBJECT_START.search(text)
    return m.start() if m else -1


def parse_reply(text: str) -> Reply:
    """The reply object from a complete answer (code fences and prose around it allowed)."""
    start = _start(text)
    if start < 0:
        raise ValueError("the reply holds no JSON object")
    end = text.rfind("}")
    data: Any = None
    for candidate in (text[start : end + 1], text[start:]):
        try:
            data = jiter.from_json(candidate.encode("utf-8"))
            break
        except ValueError:
            continue
    if data is None:
        try:
            data, _ = json.JSONDecoder().raw_decode(text, start)
        except (ValueError, RecursionError) as err:
            raise ValueError(f"the reply is not valid JSON: {str(err)[:120]}") from err
    if not isinstance(data, dict):
        raise ValueError("the reply is not a JSON object")
    return Reply(
        summary=data.get("summary") if isinstance(data.get("summary"), str) else None,
        findings=list(_findings_of(data.get("findings"))),
    )


def _findings_of(raw: Any) -> Iterator[ReplyFinding]:
    if not isinstance(raw, list):
        return
    for item in raw:
        try:
            yield ReplyFinding.model_validate(item)
        except ValidationError:
            continue  # one malformed finding does not sink the others


class StreamParser:
    """Pulls findings out of a streamed reply as soon as each one is complete.

    A small string-aware scanner counts the objects that have closed inside the
    top-level array; jiter's partial mode reads the text so far into values.
    """

    def __init__(self) -> None:
        self.text = ""
        self._start = -1
        self._pos = 0
        self._stack: list[str] = []
        self._in_string = False
        self._escape = False
        self._closed = 0
        self._emitted = 0
        self._complete = False
        self.invalid = 0

    def feed(self, delta: str) -> list[ReplyFinding]:
        """Add streamed text; return the findings completed by it."""
        self.text += delta
        if self._start < 0:
            self._start = _start(self.text)
            if self._start < 0:
                return []
            self._pos = self._start
        before = self._closed
        self._scan()
        if self._closed == before:
            return []
        try:
            data = jiter.from_json(
                self.text[self._start : self._pos].encode("utf-8"), partial_mode="trailing-strings"
            )
        except ValueError:
            return []
        raw = data.get("findings") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            return []
        out = []
        for item in raw[self._emitted : self._closed]:
            try:
                out.append(ReplyFinding.model_validate(item))
            except ValidationError:
                self.invalid += 1
        self._emitted = max(self._emitted, min(self._closed, len(raw)))
        return out

    def _scan(self) -> None:
        if self._complete:
            return
        text, stack = self.text, self._stack
        i = self._pos
        while i < len(text):
            ch = text[i]
            i += 1
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif ch == "\\":
                    self._escape = True
                elif ch == '"':
                    self._in_string = False
                continue
            if ch == '"':
                self._in_string = True
            elif ch in "{[":
                stack.append(ch)
            elif ch in "}]":
                if stack:
                    stack.pop()
                if ch == "}" and stack == ["{", "["]:
                    self._closed += 1
                if not stack:
                    self._complete = True  # the object is whole; ignore what follows
                    break
        self._pos = i

    def finish(self) -> Reply:
        """The whole reply once the stream has ended (findings already emitted included)."""
        return parse_reply(self.text)


def shift_lines(raw: ReplyFinding, delta: int) -> ReplyFinding:
    """The same finding for code that moved by `delta` lines (a cache hit elsewhere)."""
    if not delta:
        return raw
    end = raw.line_end + delta if raw.line_end is not None else None
    return raw.model_copy(update={"line_start": raw.line_start + delta, "line_end": end})


# -- sanitising ---------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069"
    "\ufeff\ufe00-\ufe0f\U000e0000-\U000e007f]"
)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[a-z][a-z0-9+.-]*:|//)[^)]*\)", re.I)
_AUTOLINK = re.compile(r"<((?:https?|ftp|file|data|javascript):[^>]*)>", re.I)
_HTML = re.compile(
    r"</?(?:a|img|script|style|iframe|object|embed|svg|math|form|input|button|link|meta|"
    r"details|summary|div|span|p|br|hr|b|i|u|font|table|tr|td|th|video|audio|source|picture)"
    r"\b[^<>]*>",
    re.I,
)


def clean_code(text: str) -> str:
    """Code from the model: no escapes or invisible characters; tabs and newlines stay."""
    return _INVISIBLE.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))


def clean_text(text: str, limit: int) -> str:
    """Markdown from the model, safe to render: no images, links, raw HTML, escapes; bounded."""
    text = clean_code(text)
    before = None
    while text != before:  # again until stable: removing `<<img>img ...>` leaves `<img ...>`
        before = text
        text = _IMAGE.sub(lambda m: m.group(1), text)
        text = _LINK.sub(lambda m: m.group(1), text)
        text = _AUTOLINK.sub(lambda m: f"`{m.group(1)}`", text)
        text = _HTML.sub("", text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return redact(text).text.strip()  # the model may echo a secret it was never shown


def clean_title(text: str) -> str:
    return " ".join(clean_text(text, LIMITS["title"]).split())


# -- validation ---------------------------------------------------------------------


def _norm(s: str) -> str:
    return " ".join(s.split())


def _matches(anchor: str, line: str) -> bool:
    a, b = _norm(anchor), _norm(line)
    if not a:
        return False
    return a == b or (len(a) >= 8 and a in b)


@dataclass
class Checked:
    """A reply finding after validation: kept as a Finding, or dropped with a reason."""

    finding: Finding | None
    reason: str = ""
    repaired: bool = False


def _parses(language: str, text: str) -> bool:
    return not parser(language).parse(text.encode("utf-8")).root_node.has_error


def to_finding(
    raw: ReplyFinding,
    prompt: Prompt,
    text: str,
    *,
    source: str,
    index: LineIndex | None = None,
    original_parses: bool | None = None,
) -> Checked:
    """Validate one reply finding against the snippet it is about, and place it in `text`."""
    index = index or LineIndex(text)
    first, last = prompt.first_line + 1, prompt.last_line + 1  # 1-based, as shown
    start = raw.line_start
    end = raw.line_end if raw.line_end is not None and raw.line_end >= start else start
    shown = {n: prompt.lines[n - first] for n in range(first, last + 1)}
    repaired = False
    if raw.anchor.strip():
        if not (first <= start <= last and _matches(raw.anchor, shown[start])):
            near = [
                n
                for n in range(start - ANCHOR_WINDOW, start + ANCHOR_WINDOW + 1)
                if n in shown and _matches(raw.anchor, shown[n])
            ]
            if not near:
                return Checked(None, f"anchor not found near line {start}")
            found = min(near, key=lambda n: abs(n - start))
            end += found - start
            start = found
            repaired = True
    elif not first <= start <= last:
        return Checked(None, f"line {start} is outside the snippet ({first}-{last})")
    if end > last:
        end = last
        repaired = True
    s, e = start - 1, end - 1  # 0-based document lines
    severity = raw.severity.lower() if raw.severity.lower() in set(Severity) else "warning"
    category = raw.category.lower() if raw.category.lower() in CATEGORIES else "other"
    line_s, line_e = index.line(s), index.line(e)
    indent = len(line_s) - len(line_s.lstrip())
    span = Span(Pos(s, indent if indent < len(line_s) else 0), Pos(e, len(line_e)))
    title = clean_title(raw.title)
    if not title:
        return Checked(None, "empty title")
    fix = None
    if raw.replacement is not None:
        replacement = clean_code(raw.replacement)
        if replacement.endswith("\n"):
            replacement = replacement[:-1]
        if (
            len(replacement) <= MAX_REPLACEMENT
            and not contains_placeholder(replacement)
            and replacement != "\n".join(index.line(n) for n in range(s, e + 1))
        ):
            whole = Span(Pos(s, 0), Pos(e, len(line_e)))
            new_text = (
                text[: index.offset(whole.start)] + replacement + text[index.offset(whole.end) :]
            )
            ok_before = (
                original_parses if original_parses is not None else _parses(prompt.language, text)
            )
            if _parses(prompt.language, new_text) or not ok_before:
                fix = Fix(whole, replacement, f"replace lines {start}-{end}")
    finding = Finding(
        span=span,
        code=f"agent/{category}",
        title=title,
        severity=Severity(severity),
        category=category,
        explanation=clean_text(raw.explanation, LIMITS["explanation"]),
        fix=fix,
        impact=clean_text(raw.impact, LIMITS["impact"]),
        measure=clean_text(raw.measure, LIMITS["measure"]),
        confidence=min(1.0, max(0.0, float(raw.confidence))),
        source=source,
        anchor=line_s,
    )
    return Checked(finding, repaired=repaired)


def replacement_markdown(finding: Finding, language: str) -> str:
    """The suggested code as a fenced block for hovers (fence longer than any run inside)."""
    if finding.fix is None:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", finding.fix.new_text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"**Suggested replacement:**\n\n{fence}{language}\n{finding.fix.new_text}\n{fence}"
