"""The model's reply text: finding the reply object in it, streamed or whole, and loose types.

Real models wrap the answer: reasoning models put `<think>…</think>` first (often quoting
code with braces), chat models add prose and fenced code, some fence the JSON. The reply
is the JSON object that fits the contract, the one with a `findings` list: reasoning
blocks are skipped, a fenced ```json block is preferred, and an object only starts at a
`{` that is followed by a key, so braces in prose or code never start it. Values are read
loosely (numbers as strings, confidence words, severities and categories by their nearest
known name); what cannot be read is reported with a reason, never skipped in silence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jiter
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from se_lsp.core.findings import CATEGORIES, Severity

# -- reasoning blocks -----------------------------------------------------------------

_OPEN_TAGS = ("<think>", "<thinking>", "<reasoning>")
_CLOSE_OF = {"<think>": "</think>", "<thinking>": "</thinking>", "<reasoning>": "</reasoning>"}
_CLOSE_TAGS = tuple(_CLOSE_OF.values())
_LONGEST_TAG = max(len(t) for t in (*_OPEN_TAGS, *_CLOSE_TAGS))


class ReasoningFilter:
    """Removes reasoning blocks from streamed content, tags split across chunks included.

    `thinking` says whether the text so far ends inside a block. A closing tag with no
    opening one (chat templates that put `<think>` in the prompt) means everything before
    it was reasoning: `reset` turns true and the caller drops what it was given so far.
    """

    def __init__(self) -> None:
        self._close: str | None = None
        self._held = ""
        self.thinking = False
        self.reset = False

    def feed(self, delta: str) -> str:
        """The visible part of `delta` (what is not reasoning)."""
        text = self._held + delta
        self._held = ""
        out: list[str] = []
        i = 0
        while i < len(text):
            if self._close is not None:
                j = text.lower().find(self._close, i)
                if j < 0:
                    keep = _partial_suffix(text, i, (self._close,))
                    self._held = text[len(text) - keep :] if keep else ""
                    return "".join(out)
                i = j + len(self._close)
                self._close = None
                self.thinking = False
                continue
            j = text.find("<", i)
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            low = text[j : j + _LONGEST_TAG].lower()
            tag = next((t for t in (*_OPEN_TAGS, *_CLOSE_TAGS) if low.startswith(t)), None)
            if tag is None:
                if any(t.startswith(low) for t in (*_OPEN_TAGS, *_CLOSE_TAGS)) and (
                    j + len(low) == len(text)
                ):
                    self._held = text[j:]  # maybe a tag that the next chunk completes
                    break
                out.append("<")
                i = j + 1
                continue
            if tag in _CLOSE_TAGS:
                out.clear()  # an orphan close: all before it was reasoning
                self.reset = True
            else:
                self._close = _CLOSE_OF[tag]
                self.thinking = True
            i = j + len(tag)
        return "".join(out)

    def flush(self) -> str:
        """At the end of the reply: a held tail that never became a tag is text after all."""
        held, self._held = self._held, ""
        return "" if self._close is not None else held


def _partial_suffix(text: str, start: int, tags: tuple[str, ...]) -> int:
    """Length of the tail of text[start:] that begins one of `tags` (it starts at a '<')."""
    k = text.rfind("<", max(start, len(text) - _LONGEST_TAG))
    if k < 0:
        return 0
    tail = text[k:].lower()
    return len(tail) if any(t.startswith(tail) for t in tags) else 0


def strip_reasoning(text: str) -> str:
    """A whole reply without its reasoning blocks (an unclosed block runs to the end)."""
    f = ReasoningFilter()
    return f.feed(text) + f.flush()


# -- finding the reply object -----------------------------------------------------------

MAX_ATTEMPTS = 5000  # object starts tried in one reply
SCAN_BUDGET = 4  # characters decoded across all attempts, per character of the reply


class ReplyShapeError(ValueError):
    """The reply holds no usable object; the message says what was there instead."""


@dataclass(frozen=True)
class ParsedReply:
    summary: str | None
    items: list[Any]  # the raw entries of `findings`, read loosely later


def _key_at(text: str, j: int) -> str:
    """The quoted key starting at `j` after blanks (with its quotes), or ""."""
    while j < len(text) and text[j] in " \t\r\n":
        j += 1
    if not text.startswith('"', j):
        return ""
    end = text.find('"', j + 1, j + 42)  # bounded: hostile text stays linear
    return text[j : end + 1] if end > 0 else '"'


def _object_starts(text: str, begin: int = 0) -> list[int]:
    """Offsets (from `begin`) of `{` followed, after blanks, by a key."""
    out: list[int] = []
    i = text.find("{", begin)
    while i >= 0 and len(out) < MAX_ATTEMPTS:
        if _key_at(text, i + 1):
            out.append(i)
        i = text.find("{", i + 1)
    return out


def _decode_at(text: str, start: int) -> tuple[Any, int, int]:
    """(value or None, end, characters scanned) of the JSON value at `start`."""
    try:
        value, end = json.JSONDecoder().raw_decode(text, start)
        return value, end, end - start
    except json.JSONDecodeError as err:
        return None, start, max(1, err.pos - start)
    except (ValueError, RecursionError):
        return None, start, len(text) - start  # not known: count the worst case


def _fenced_json(text: str) -> list[str]:
    """The bodies of ```json fences, in order."""
    out: list[str] = []
    low = text.lower()
    i = low.find("```json")
    while i >= 0:
        body_start = text.find("\n", i)
        if body_start < 0:
            break
        end = text.find("```", body_start)
        out.append(text[body_start + 1 : end if end >= 0 else len(text)])
        if end < 0:
            break
        i = low.find("```json", end + 3)
    return out


def parse_reply(text: str) -> ParsedReply:
    """The reply object in a complete answer; ReplyShapeError says why there is none."""
    visible = strip_reasoning(text)
    other: Any = None
    broken = False
    budget = SCAN_BUDGET * max(len(visible), 1)
    for source in [*_fenced_json(visible), visible]:
        pos = 0
        starts = _object_starts(source)
        if len(starts) >= MAX_ATTEMPTS:
            raise ReplyShapeError("it is garbled: thousands of brace fragments, no reply object")
        for start in starts:
            if start < pos:
                continue  # inside an object already read
            value, end, scanned = _decode_at(source, start)
            budget -= scanned
            if budget < 0:
                raise ReplyShapeError(
                    "it is too tangled to read: nested fragments, no reply object"
                )
            if value is None:
                if _key_at(source, start + 1) in ('"findings"', '"summary"'):
                    broken = True  # the reply object itself, but not valid JSON
                continue
            if isinstance(value, dict) and "findings" in value:
                return _parsed(value)
            if other is None:
                other = value
            pos = end
    if broken:
        raise ReplyShapeError("its JSON object is not valid JSON: cut short, or nested too deeply")
    if other is not None:
        keys = ", ".join(sorted(other)[:6]) if isinstance(other, dict) else ""
        raise ReplyShapeError(
            f"its JSON has no 'findings' list, only: {keys}" if keys else "no 'findings' list"
        )
    if not visible.strip() and text.strip():
        raise ReplyShapeError("it held only reasoning, no answer after it")
    if not text.strip():
        raise ReplyShapeError("the reply was empty")
    raise ReplyShapeError("it holds no JSON object")


def _parsed(value: dict[str, Any]) -> ParsedReply:
    raw = value.get("findings")
    if raw is None:
        items: list[Any] = []
    elif isinstance(raw, list):
        items = raw
    elif isinstance(raw, dict):
        items = [raw]  # one finding written without its list
    else:
        raise ReplyShapeError(f"'findings' is a {type(raw).__name__}, not a list")
    summary = value.get("summary")
    return ParsedReply(summary if isinstance(summary, str) else None, items)


class StreamParser:
    """Pulls finding entries out of a streamed reply as soon as each one is complete.

    Reasoning blocks are filtered as they stream. The reply object is the first object
    (a `{` followed by a key) that has a `findings` key: one that closes without it is
    passed over. A small string-aware scanner reads each new piece once, counting the
    objects that have closed inside the `findings` array; only when one has closed is the
    object's text joined and read by jiter's partial mode. Work stays linear in the reply.
    """

    def __init__(self) -> None:
        self.filter = ReasoningFilter()
        self.restarted = False  # an orphan </think> dropped what came before
        self._pending = ""  # visible text before an object start, not yet decided
        self._done = False  # the reply object is whole; what follows is ignored
        self._reset_object()

    def _reset_object(self) -> None:
        self._chunks: list[str] = []  # the object's text so far
        self._in_object = False
        self._stack: list[str] = []
        self._in_string = False
        self._escape = False
        self._key: list[str] | None = None  # characters of a string at depth 1
        self._last_key = ""
        self._array_key = ""
        self._has_findings = False
        self._closed = 0
        self._emitted = 0
        self._complete = False

    @property
    def thinking(self) -> bool:
        return self.filter.thinking

    def feed(self, delta: str) -> list[Any]:
        """Add streamed content; return the finding entries it completed."""
        visible = self.filter.feed(delta)
        if self.filter.reset:
            self.filter.reset = False
            self.restarted = True
            self._pending = ""
            self._done = False
            self._reset_object()
        out: list[Any] = []
        while visible and not self._done:
            if not self._in_object:
                text = self._pending + visible
                visible = ""
                starts = _object_starts(text)
                if not starts:
                    # Only a trailing '{' with nothing but blanks after it is undecided.
                    k = text.rfind("{")
                    self._pending = text[k:] if k >= 0 and not text[k + 1 :].strip() else ""
                    break
                self._pending = ""
                self._in_object = True
                visible = text[starts[0] :]
            used = self._scan(visible)
            self._chunks.append(visible[:used])
            visible = visible[used:]
            out += self._completed()
            if self._complete:
                if self._has_findings:
                    self._done = True
                else:  # a whole object without findings (an example, code): not the reply
                    self._reset_object()
        return out

    def _completed(self) -> list[Any]:
        if self._closed == self._emitted:
            return []
        text = "".join(self._chunks)
        self._chunks = [text]
        try:
            data = jiter.from_json(text.encode("utf-8"), partial_mode="trailing-strings")
        except ValueError:
            return []
        raw = data.get("findings") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            return []
        out = raw[self._emitted : self._closed]
        self._emitted = max(self._emitted, min(self._closed, len(raw)))
        return out

    def _scan(self, text: str) -> int:
        """Advance the scanner over `text`; return how much of it the object took."""
        stack = self._stack
        for i, ch in enumerate(text):
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif ch == "\\":
                    self._escape = True
                elif ch == '"':
                    self._in_string = False
                    if self._key is not None:
                        self._last_key = "".join(self._key)
                        self._key = None
                        if self._last_key == "findings":
                            self._has_findings = True
                elif self._key is not None and len(self._key) < 16:
                    self._key.append(ch)
                continue
            if ch == '"':
                self._in_string = True
                self._key = [] if len(stack) == 1 else None
            elif ch in "{[":
                if ch == "[" and len(stack) == 1:
                    self._array_key = self._last_key
                stack.append(ch)
            elif ch in "}]":
                if stack:
                    stack.pop()
                if ch == "}" and stack == ["{", "["] and self._array_key == "findings":
                    self._closed += 1
                if not stack:
                    self._complete = True
                    return i + 1
        return len(text)


# -- loose types ------------------------------------------------------------------------

CONFIDENCE_WORDS = {
    "certain": 0.95,
    "very high": 0.9,
    "high": 0.8,
    "likely": 0.7,
    "medium": 0.5,
    "moderate": 0.5,
    "possible": 0.4,
    "low": 0.3,
    "unlikely": 0.2,
    "very low": 0.15,
}

# Nearest known severity for the words models use instead; checked in this order.
SEVERITY_WORDS = (
    ("error", ("error", "critical", "blocker", "severe", "fatal", "urgent")),
    ("warning", ("warn", "high", "major", "medium", "moderate", "important")),
    ("info", ("info", "low", "minor", "note", "suggestion", "optimi", "consider")),
    ("hint", ("hint", "nit", "trivial", "style", "cosmetic")),
)

# Nearest known category for free-form ones; the first keyword contained wins.
CATEGORY_WORDS = (
    ("simd", ("simd", "vector", "avx", "sse", "neon")),
    ("allocation", ("alloc", "heap", "malloc", "reserve", "capacity", "boxing")),
    ("copy", ("copy", "copies", "clone", "cloning", "move", "string build", "conversion")),
    ("cache", ("cache", "locality", "layout", "false sharing", "prefetch", "padding")),
    ("concurrency", ("concurren", "lock", "mutex", "atomic", "thread", "contention", "sync")),
    ("algorithm", ("algorithm", "complexity", "quadratic", "big-o", "big o", "lookup", "search")),
    ("io", ("i/o", "io", "syscall", "system call", "disk", "network", "buffer", "blocking")),
    ("branching", ("branch", "predict", "condition")),
    ("memory", ("memory", "footprint", "leak", "size")),
)


def _nearest(value: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    """The first name whose keyword starts a word of `value` (or, with a space, is in it)."""
    words = "".join(ch if ch.isalnum() or ch == "/" else " " for ch in value.lower()).split()
    joined = " ".join(words)
    for name, keys in table:
        for key in keys:
            if (" " in key and key in joined) or any(w.startswith(key) for w in words):
                return name
    return None


def normal_severity(value: str) -> str:
    v = value.strip().lower()
    if v in {s.value for s in Severity}:
        return v
    return _nearest(v, SEVERITY_WORDS) or Severity.WARNING.value


def normal_category(value: str) -> str:
    v = value.strip().lower().replace("_", " ")
    if v in CATEGORIES:
        return v
    return _nearest(v, CATEGORY_WORDS) or "other"


def _line_number(value: Any) -> Any:
    """42, 42.0, "42", "L42", "line 42", "42-44" (the first number) as an int."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = ""
        for ch in value.strip().lower().removeprefix("line").removeprefix("l").lstrip():
            if ch.isdigit():
                digits += ch
            else:
                break
        return int(digits) if digits else value
    return value


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return value


ALIASES = {
    "line_start": ("line_start", "line", "start_line", "lineStart", "line_number", "start"),
    "line_end": ("line_end", "end_line", "lineEnd", "end"),
    "title": ("title", "message", "issue", "problem"),
    "explanation": ("explanation", "description", "details", "rationale", "why"),
    "replacement": ("replacement", "suggested_code", "fix", "new_code"),
    "measure": ("measure", "measurement", "how_to_measure", "benchmark"),
}


class ReplyFinding(BaseModel):
    """One finding as the model wrote it, read loosely (unknown keys ignored)."""

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

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for field, names in ALIASES.items():
            if out.get(field) is None:
                for name in names[1:]:
                    if data.get(name) is not None:
                        out[field] = data[name]
                        break
        fix = out.get("replacement")
        if isinstance(fix, dict):  # {"code": …, "description": …}
            keys = ("code", "replacement", "new_text")
            out["replacement"] = next((fix[k] for k in keys if isinstance(fix.get(k), str)), None)
        return out

    @field_validator("line_start", "line_end", mode="before")
    @classmethod
    def _lines(cls, v: Any) -> Any:
        return _line_number(v)

    @field_validator("anchor", "explanation", "impact", "measure", "title", mode="before")
    @classmethod
    def _texts(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, v: Any) -> Any:
        return normal_severity(v) if isinstance(v, str) else "warning"

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: Any) -> Any:
        return normal_category(v) if isinstance(v, str) else "other"

    @field_validator("confidence", mode="before")
    @classmethod
    def _confidence(cls, v: Any) -> Any:
        if v is None or isinstance(v, bool):
            return 0.5
        if isinstance(v, str):
            s = v.strip().lower()
            if s in CONFIDENCE_WORDS:
                return CONFIDENCE_WORDS[s]
            try:
                return float(s[:-1]) / 100 if s.endswith("%") else float(s)
            except ValueError:
                return 0.5
        return v

    @field_validator("replacement", mode="before")
    @classmethod
    def _replacement(cls, v: Any) -> Any:
        return v if isinstance(v, str) else None


def read_finding(item: Any) -> ReplyFinding | str:
    """One entry of `findings` as a ReplyFinding, or the reason it cannot be one."""
    if not isinstance(item, dict):
        return "not an object"
    try:
        return ReplyFinding.model_validate(item)
    except ValidationError as err:
        fields = {str(e["loc"][0]) for e in err.errors() if e["loc"]}
        if "line_start" in fields:
            return "no line number"
        if "title" in fields:
            return "no title"
        return "unreadable values"


def shift_lines(raw: ReplyFinding, delta: int) -> ReplyFinding:
    """The same finding for code that moved by `delta` lines (a cache hit elsewhere)."""
    if not delta:
        return raw
    end = raw.line_end + delta if raw.line_end is not None else None
    return raw.model_copy(update={"line_start": raw.line_start + delta, "line_end": end})


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
