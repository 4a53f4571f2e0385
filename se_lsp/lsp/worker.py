"""The analysis process: parses and runs the built-in rules where the server's GIL is not.

tree-sitter parses and queries hold the interpreter lock for their whole C call (a
query over 100,000 nested braces held it for minutes), and so does a backtracking
regular expression. In a thread they would stall every request; in this process
they only delay the next analysis, and the server can stop the process when it
overruns its time budget (supervisor.py).

The process keeps each open document's text, and the syntax trees of the documents
analysed most recently, so an edit is sent as the edit, not the file, and the
re-parse stays incremental. It answers with the diagnostics already rendered as
JSON in the client's encoding, and the findings as plain rows (core/findings.py):
both cost the server a fraction of a millisecond to receive.

Messages, both ways, are a 4-byte big-endian length and a pickle of a tuple. They
travel over this process's stdin and stdout, which nothing else may write to.
"""

from __future__ import annotations

import difflib
import os
import pickle
import struct
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import IO, Any

# How many documents keep their syntax tree between analyses (trees are the bulk of
# the memory: ~0.65 MB per 1,000 lines, measured); the others are parsed afresh.
KEEP_TREES = 8

# A line longer than this is generated or minified code: the file is not analysed.
MAX_LINE_CHARS = 20_000

HEADER = struct.Struct(">I")


def write_message(out: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)) + data)
    out.flush()


def read_message(inp: IO[bytes]) -> tuple[Any, ...] | None:
    head = inp.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (n,) = HEADER.unpack(head)
    data = inp.read(n)
    if len(data) < n:
        return None
    message: tuple[Any, ...] = pickle.loads(data)
    return message


@dataclass
class _Doc:
    language: str
    version: int
    text: str
    path: str | None = None  # the file's path: the rules tell test code by it
    index: Any = None  # its LineIndex, spliced by each edit rather than rebuilt


class Worker:
    """The state of the analysis process and what it does with each message."""

    def __init__(self) -> None:
        from se_lsp.core.settings import Settings

        self.docs: dict[str, _Doc] = {}
        self.settings = Settings()
        self.generation = 0
        # uri -> (Analysis, settings generation), most recently used last.
        self.trees: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        # uri -> (encoding, {id(finding): (finding, its JSON, its row)}) of the last answer.
        self.rendered: dict[str, tuple[str, dict[int, tuple[Any, str, Any]]]] = {}

    def handle(self, message: tuple[Any, ...]) -> tuple[Any, ...] | None:
        op = message[0]
        if op == "settings":
            _, self.generation, self.settings = message
            problems = unknown_rules(self.settings)
            return ("problems", problems) if problems else None
        elif op == "open":
            _, uri, language, version, text, path = message
            self.docs[uri] = _Doc(language, version, text, path)
            self.trees.pop(uri, None)
            self.rendered.pop(uri, None)
        elif op == "edit":
            _, uri, base, version, edits, length = message
            self._edit(uri, base, version, edits, length)
        elif op == "close":
            self.docs.pop(message[1], None)
            self.trees.pop(message[1], None)
            self.rendered.pop(message[1], None)
        elif op == "analyze":
            _, job, uri, version, exact, encoding = message
            return self._analyze(job, uri, version, exact, encoding)
        elif op == "ping":
            return ("pong", message[1])
        return None

    def _edit(
        self, uri: str, base: int, version: int, edits: list[tuple[int, int, str]], length: int
    ) -> None:
        doc = self.docs.get(uri)
        if doc is None or doc.version != base:
            self.docs.pop(uri, None)  # out of step: the server sends the whole text again
            return
        from se_lsp.core.positions import LineIndex

        index = doc.index or LineIndex(doc.text)
        for start, end, new in edits:
            index = index.edited(index.pos_at(start), index.pos_at(end), new)
        if len(index.text) != length:
            self.docs.pop(uri, None)
            return
        doc.text, doc.index, doc.version = index.text, index, version

    def _analyze(
        self, job: int, uri: str, version: int, exact: bool, encoding: str
    ) -> tuple[Any, ...]:
        doc = self.docs.get(uri)
        if doc is None or doc.version != version:
            return ("unknown", job, uri)
        started = time.perf_counter()
        from se_lsp.core.positions import LineIndex
        from se_lsp.rules.batch import collector_paused, run_rules

        if doc.index is None or doc.index.text is not doc.text:
            doc.index = LineIndex(doc.text)
        index = doc.index
        longest = max(map(len, index.lines), default=0)
        if longest > MAX_LINE_CHARS:
            self.trees.pop(uri, None)
            return ("skipped", job, uri, f"a line of {longest:,} characters")
        previous, generation = self.trees.get(uri, (None, -1))
        if generation != self.generation:
            previous = None
        with collector_paused():
            result = run_rules(
                doc.text, doc.language, self.settings, index, previous, exact, doc.path
            )
        self.trees[uri] = (result, self.generation)
        self.trees.move_to_end(uri)
        while len(self.trees) > KEEP_TREES:
            old, _ = self.trees.popitem(last=False)
            self.rendered.pop(old, None)
            if old in self.docs:
                self.docs[old].index = None  # rebuilt when it is next edited (~8 ms)
        analysed = time.perf_counter()
        rendered, rows = self._render(uri, result.findings, index, encoding)
        done = time.perf_counter()
        timing = {"analyse_ms": (analysed - started) * 1e3, "render_ms": (done - analysed) * 1e3}
        return ("done", job, uri, result.exact, rendered, rows, len(result.findings), timing)

    def _render(
        self, uri: str, findings: list[Any], index: Any, encoding: str
    ) -> tuple[str, bytes]:
        """The answer's diagnostics JSON and pickled rows. Only findings the re-analysis
        made anew are rendered: the others come back as the same objects on unchanged
        lines, and rendering all 500 of a large file again cost more (~8 ms) than the
        re-analysis itself (~2 ms). The last answer's parts are kept by identity (the
        dict holds the findings, so an id is not reused while it is in there)."""
        from se_lsp.core.findings import to_row
        from se_lsp.lsp.render import fragments, rule_href

        encoding_before, before = self.rendered.get(uri, ("", {}))
        if encoding_before != encoding:
            before = {}
        new = [f for f in findings if id(f) not in before]
        made = fragments(new, index, encoding, uri, rule_href)
        for f, text in zip(new, made, strict=True):
            before[id(f)] = (f, text, to_row(f))
        now = {id(f): before[id(f)] for f in findings}
        self.rendered[uri] = (encoding, now)
        parts = [now[id(f)] for f in findings]
        rendered = ", ".join(p[1] for p in parts)
        return rendered, pickle.dumps([p[2] for p in parts], pickle.HIGHEST_PROTOCOL)


def unknown_rules(settings: Any) -> list[str]:
    """One line per settings layer that names rule ids no rule has."""
    from se_lsp.rules.registry import all_rules

    known = sorted(r.info.id for r in all_rules())
    out = []
    layers = [
        (settings.project_file or ".se-lsp.yaml", "rules", settings.project.rules),
        ("settings", "seLsp.builtin.rules", settings.editor.builtin.rules),
    ]
    for source, key, rules in layers:
        unknown = [rule for rule in rules if rule not in known]
        if not unknown:
            continue
        named = []
        for rule in unknown:
            close = difflib.get_close_matches(rule, known, 1)
            named.append(f"{rule} (did you mean {close[0]}?)" if close else rule)
        out.append(
            f"{source}: unknown rule id{'s' if len(unknown) > 1 else ''} under '{key}': "
            f"{', '.join(named)}; see `se-lsp rules` for the list"
        )
    return out


def main() -> None:
    """Serve analysis requests on stdin/stdout until stdin closes."""
    # Replies go to a private copy of stdout; fd 1 itself is pointed at stderr so that
    # nothing printed by accident (by us or a library) can corrupt the stream.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    worker = Worker()
    # Import the rules now, before the first document arrives.
    from se_lsp.rules.registry import all_rules

    all_rules()
    import gc

    gc.collect()
    gc.freeze()  # the rules and grammars live as long as the process: never walk them again
    write_message(out, ("ready", os.getpid()))
    while (message := read_message(inp)) is not None:
        if message[0] == "stop":
            break
        try:
            reply = worker.handle(message)
        except RecursionError:
            reply = _failed(message, "the code is nested too deeply to analyse")
        except Exception as err:  # a rule's bug must not end the process
            reply = _failed(message, f"{type(err).__name__}: {err}")
        if reply is not None:
            write_message(out, reply)


def _failed(message: tuple[Any, ...], why: str) -> tuple[Any, ...] | None:
    if message[0] != "analyze":
        return None
    return ("failed", message[1], message[2], why)


if __name__ == "__main__":
    main()
