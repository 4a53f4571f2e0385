"""Asking the agent for a benchmark pair: the prompt, and reading the pair out of the reply.

The code sent is the finding's own lines and its replacement, after the same secret
redaction every prompt gets; an excluded file never gets here (the caller checks). The
reply is one JSON object {"before", "after", "description"}, read tolerantly (code
fences, prose around it) and validated; nothing in it runs until the user has read it
and confirmed.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from se_lsp.core.policy import redact
from se_lsp.measure.runner import BenchPair

PROMPT_VERSION = "measure-1"

_HARNESS = {
    "rust": (
        "Each side is a complete `main.rs` that builds with plain `rustc -O` (standard "
        "library only: no crates, so no criterion). Time the work with `std::time::Instant` "
        "over enough iterations for at least 100 ms, keep the optimizer from deleting it with "
        "`std::hint::black_box`, then print a line with a checksum of the results and a last "
        "line `<nanoseconds per iteration> ns/op`."
    ),
    "cpp": (
        "Each side is a complete C++17 program (`main.cpp`, standard library only, so a "
        "`std::chrono::steady_clock` harness rather than Google Benchmark) built with "
        "`c++ -std=c++17 -O2`. Time the work over enough iterations for at least 100 ms, keep "
        "the optimizer from deleting it (a `volatile` sink), then print a line with a checksum "
        "of the results and a last line `<nanoseconds per iteration> ns/op`."
    ),
    "go": (
        "Each side is a complete `bench_test.go` in `package bench` (standard library only) "
        "with one `func BenchmarkChange(b *testing.B)` that runs the work b.N times and "
        "stores its result in a package-level sink; `go test -bench` prints the ns/op."
    ),
}

SYSTEM = (
    "You write micro-benchmarks that show whether a code change makes code faster. You get "
    "the code before and after a change. Write two self-contained programs, identical except "
    "for the code under test, that exercise it on realistic input of a size where the "
    "difference shows. Set up input outside the timed region. Reply with one JSON object and "
    'nothing else: {"before": "<program>", "after": "<program>", "description": "<one '
    'paragraph: what is measured, on what input>"}.'
)

LANGUAGE_NAMES = {"rust": "Rust", "cpp": "C++", "go": "Go"}


def build_request(
    language: str, before: str, after: str, title: str, context: str = ""
) -> tuple[str, int]:
    """The user message, and how many secrets were redacted from it."""
    parts = []
    n = 0
    pieces = []
    for text in (before, after, context):
        r = redact(text)
        n += r.count
        pieces.append(r.text)
    name = LANGUAGE_NAMES.get(language, language)
    parts.append(f"Language: {name}")
    parts.append(f"The change: {redact(title).text}")
    if pieces[2].strip():
        parts.append(f"The code is inside this function:\n```\n{pieces[2]}\n```")
    parts.append(f"Before:\n```\n{pieces[0]}\n```")
    parts.append(f"After:\n```\n{pieces[1]}\n```")
    parts.append(_HARNESS[language])
    parts.append("Reply with the JSON object only.")
    return "\n\n".join(parts), n


def response_schema() -> dict[str, object]:
    """The json_schema response format for endpoints that support structured output."""
    return {
        "name": "benchmark_pair",
        "schema": {
            "type": "object",
            "properties": {
                "before": {"type": "string"},
                "after": {"type": "string"},
                "description": {"type": "string"},
            },
            "required": ["before", "after", "description"],
            "additionalProperties": False,
        },
    }


def parse_pair(reply: str, language: str) -> BenchPair:
    """The pair in a reply; ValueError when there is none."""
    decoder = json.JSONDecoder()
    pos = 0
    problems = []
    while (start := reply.find("{", pos)) >= 0:
        try:
            obj, end = decoder.raw_decode(reply, start)
        except json.JSONDecodeError:
            pos = start + 1
            continue
        if isinstance(obj, dict) and "before" in obj and "after" in obj:
            try:
                return BenchPair.model_validate({**obj, "language": language})
            except ValidationError as err:
                problems.append(str(err.errors()[0]["msg"]))
        pos = end
    why = f" ({problems[0]})" if problems else ""
    raise ValueError(f"the reply holds no benchmark pair {{before, after}}{why}")
