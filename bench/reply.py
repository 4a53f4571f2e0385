"""Reading model replies: the cost of finding the reply object in what models write.

Every streamed chunk goes through the reasoning filter and the streaming scanner on the
event loop, so their cost per reply must stay small and linear in the reply's length,
also for a reasoning model's long `<think>` block full of code and for hostile text
(a megabyte of `{"` that each look like the start of an object). Printed: the whole
reply parsed at once, and the same reply fed in 16-character chunks as a server streams.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from bench.common import fmt, header, summary, write
from se_lsp.agent.reply import ReplyShapeError, StreamParser, parse_reply

RUNS = 15
FINDING = {
    "line_start": 3,
    "line_end": 3,
    "anchor": "let mut v = Vec::new();",
    "severity": "warning",
    "category": "allocation",
    "title": "Reserve capacity once",
    "explanation": "Each growth reallocates and moves the elements. " * 4,
    "replacement": "    let mut v = Vec::with_capacity(xs.len());",
    "impact": "one allocation instead of about log2(n)",
    "measure": "cargo bench",
    "confidence": 0.8,
}
PLAIN = json.dumps({"summary": "The loop is the hot spot.", "findings": [FINDING] * 5})
CODE = "fn f(xs: &[u64]) -> u64 { let mut s = 0; for x in xs { s += x; } s }\n"
THINKING = "<think>\n" + CODE * 300 + '{"findings": []} is a draft.\n</think>\n\n' + PLAIN
HOSTILE = '{"a' * 350_000 + PLAIN  # about 1 MB of object starts that are not objects
# Each object start begins a long valid prefix that fails only at the end of the text.
TANGLED = ('{"a": [' + "1," * 200) * 1_000 + PLAIN


def _time(fn: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def _parse(text: str) -> str:
    """The reply read, or the reason it was refused (hostile text is refused, in bounded time)."""
    try:
        return f"{len(parse_reply(text).items)} findings"
    except ReplyShapeError as err:
        return str(err)


def _streamed(text: str) -> None:
    parser = StreamParser()
    for i in range(0, len(text), 16):
        parser.feed(text[i : i + 16])


def main() -> None:
    header("reading replies (parse_reply whole, StreamParser in 16-char chunks)")
    results = {}
    cases = (("plain", PLAIN), ("thinking", THINKING), ("hostile", HOSTILE), ("tangled", TANGLED))
    for name, text in cases:
        whole = summary(_time(lambda t=text: _parse(t)))
        chunks = summary(_time(lambda t=text: _streamed(t)))
        results[name] = {
            "chars": len(text),
            "read": _parse(text),
            "whole": whole,
            "streamed": chunks,
        }
        print(f"  {name}: {_parse(text)}")
        print(fmt(f"{name} ({len(text):,} chars) whole", whole))
        print(fmt(f"{name} ({len(text):,} chars) streamed", chunks))
    path = write("reply", results)
    print(f"   results: {path}")


if __name__ == "__main__":
    main()
