"""Checking each finding against the code the model was shown, before it reaches the editor.

A model is an untrusted source of text. A finding is placed on the line its anchor names:
the stated line when the anchor matches there, else the one line of the selection the
anchor matches. Models that count from the top of the selection instead of using the
numbers shown get every finding placed this way, and the offset they use, once seen
consistently, places the findings whose anchor is missing or matches several lines.
What cannot be placed is dropped with a short reason that the run reports. A replacement
must still parse; every string is cleaned of terminal escapes, invisible characters,
images and raw HTML, and bounded in length.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from se_lsp.agent.prompt import Prompt
from se_lsp.agent.reply import ReplyFinding
from se_lsp.core.findings import Finding, Fix, Severity
from se_lsp.core.languages import parser
from se_lsp.core.policy import contains_placeholder, redact
from se_lsp.core.positions import LineIndex, Pos, Span

LIMITS = {"title": 200, "explanation": 4000, "impact": 1000, "measure": 1000, "summary": 4000}
MAX_REPLACEMENT = 20_000

# Reasons a finding is dropped: short, so a run can say "2 dropped (anchor not found)".
OUTSIDE = "line outside the selection"
ANCHOR_NOT_FOUND = "anchor not in the selection"
ANCHOR_AMBIGUOUS = "anchor on several lines"
EMPTY_TITLE = "empty title"
CODE_CHANGED = "code changed meanwhile"


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
        text = _IMAGE.sub(lambda m: f"(image: {m.group(1)})", text)
        text = _LINK.sub(lambda m: m.group(1), text)
        text = _AUTOLINK.sub(lambda m: f"`{m.group(1)}`", text)
        text = _HTML.sub("", text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return redact(text).text.strip()  # the model may echo a secret it was never shown


def clean_title(text: str) -> str:
    return " ".join(clean_text(text, LIMITS["title"]).split())


def replacement_markdown(finding: Finding, language: str) -> str:
    """The suggested code as a fenced block for hovers (fence longer than any run inside)."""
    if finding.fix is None:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", finding.fix.new_text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"**Suggested replacement:**\n\n{fence}{language}\n{finding.fix.new_text}\n{fence}"


# -- placing -------------------------------------------------------------------------


def _norm(s: str) -> str:
    return " ".join(s.split())


def _anchor_text(anchor: str) -> str:
    """The anchor without a copied line-number prefix (`  42| `)."""
    head, bar, rest = anchor.partition("|")
    if bar and head.strip().isdigit():
        return rest.strip()
    return anchor.strip()


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


def parses(language: str, text: str) -> bool:
    return not parser(language).parse(text.encode("utf-8")).root_node.has_error


class Checker:
    """Validates the findings of one reply against the snippet it is about.

    `check` places a finding at once when its anchor settles the line; one that needs
    the numbering offset (no anchor, or an anchor on several lines) waits for `finish`,
    when the offset seen across the reply's anchored findings is known.
    """

    def __init__(
        self,
        prompt: Prompt,
        text: str,
        *,
        source: str,
        index: LineIndex | None = None,
        original_parses: bool | None = None,
    ) -> None:
        self.prompt = prompt
        self.text = text
        self.source = source
        self.index = index or LineIndex(text)
        self._original_parses = original_parses
        self.first = prompt.first_line + 1  # 1-based, as shown
        self.last = prompt.last_line + 1
        self.shown = {n: prompt.lines[n - self.first] for n in range(self.first, self.last + 1)}
        self.offsets: Counter[int] = Counter()  # placed line - stated line, per anchored finding
        self.waiting: list[ReplyFinding] = []

    def check(self, raw: ReplyFinding) -> Checked | None:
        """The finding checked, or None when it waits for the offset (see finish)."""
        start = raw.line_start
        anchor = _anchor_text(raw.anchor)
        if anchor:
            if self.first <= start <= self.last and _matches(anchor, self.shown[start]):
                self.offsets[0] += 1
                return self._make(raw, start, repaired=False)
            hits = [n for n, line in self.shown.items() if _matches(anchor, line)]
            if len(hits) == 1:
                self.offsets[hits[0] - start] += 1
                return self._make(raw, hits[0], repaired=True)
            if not hits:
                return Checked(None, ANCHOR_NOT_FOUND)
        self.waiting.append(raw)  # no anchor, or several lines match it
        return None

    def _offset(self) -> int | None:
        """The one offset every anchored finding agrees on, if they agree."""
        if len(self.offsets) != 1:
            return None
        return next(iter(self.offsets))

    def finish(self) -> list[Checked]:
        """The findings that waited, placed with the consistent offset or dropped."""
        offset = self._offset()
        out = []
        for raw in self.waiting:
            anchor = _anchor_text(raw.anchor)
            line = raw.line_start + (offset or 0)
            if anchor:
                hits = [n for n, text in self.shown.items() if _matches(anchor, text)]
                if offset is not None and line in hits:
                    out.append(self._make(raw, line, repaired=offset != 0))
                else:
                    out.append(Checked(None, ANCHOR_AMBIGUOUS))
            elif self.first <= line <= self.last:
                out.append(self._make(raw, line, repaired=bool(offset)))
            else:
                out.append(Checked(None, OUTSIDE))
        self.waiting = []
        return out

    def _make(self, raw: ReplyFinding, start: int, *, repaired: bool) -> Checked:
        """The Finding for `raw` placed at 1-based line `start` (its span kept in length)."""
        stated_end = raw.line_end if raw.line_end is not None else raw.line_start
        end = start + max(0, stated_end - raw.line_start)
        if end > self.last:
            end = self.last
            repaired = True
        title = clean_title(raw.title)
        if not title:
            return Checked(None, EMPTY_TITLE)
        index = self.index
        s, e = start - 1, end - 1  # 0-based document lines
        line_s, line_e = index.line(s), index.line(e)
        indent = len(line_s) - len(line_s.lstrip())
        span = Span(Pos(s, indent if indent < len(line_s) else 0), Pos(e, len(line_e)))
        finding = Finding(
            span=span,
            code=f"agent/{raw.category}",
            title=title,
            severity=Severity(raw.severity),
            category=raw.category,
            explanation=clean_text(raw.explanation, LIMITS["explanation"]),
            fix=self._fix(raw, s, e, start, end),
            impact=clean_text(raw.impact, LIMITS["impact"]),
            measure=clean_text(raw.measure, LIMITS["measure"]),
            confidence=min(1.0, max(0.0, float(raw.confidence))),
            source=self.source,
            anchor=line_s,
        )
        return Checked(finding, repaired=repaired)

    def _fix(self, raw: ReplyFinding, s: int, e: int, start: int, end: int) -> Fix | None:
        if raw.replacement is None:
            return None
        index = self.index
        replacement = clean_code(raw.replacement)
        if replacement.endswith("\n"):
            replacement = replacement[:-1]
        if (
            len(replacement) > MAX_REPLACEMENT
            or contains_placeholder(replacement)
            or replacement == "\n".join(index.line(n) for n in range(s, e + 1))
        ):
            return None
        whole = Span(Pos(s, 0), Pos(e, len(index.line(e))))
        new_text = (
            self.text[: index.offset(whole.start)]
            + replacement
            + self.text[index.offset(whole.end) :]
        )
        if self._original_parses is None:
            self._original_parses = parses(self.prompt.language, self.text)
        if parses(self.prompt.language, new_text) or not self._original_parses:
            return Fix(whole, replacement, f"replace lines {start}-{end}")
        return None


def to_finding(
    raw: ReplyFinding,
    prompt: Prompt,
    text: str,
    *,
    source: str,
    index: LineIndex | None = None,
    original_parses: bool | None = None,
) -> Checked:
    """One finding checked on its own (no other findings to learn the numbering from)."""
    checker = Checker(prompt, text, source=source, index=index, original_parses=original_parses)
    checked = checker.check(raw)
    return checked if checked is not None else checker.finish()[0]
