"""Large realistic inputs: the examples and the labelled corpus repeated to ~10,000 lines."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXT = {"rust": ".rs", "cpp": ".cpp", "go": ".go"}


def big_source(language: str, lines: int = 10_000) -> str:
    ext = EXT[language]
    files = sorted((ROOT / "tests" / "corpus" / language).glob(f"*{ext}"))
    # A corpus moved into the rule fixtures (marked `//~ id`) is the same code.
    moved = (ROOT / "tests" / "rules" / "fixtures" / language / "corpus").glob(f"*{ext}")
    files += sorted(p for p in moved if ".fixed." not in p.name)
    files += sorted((ROOT / "examples").glob(f"*{ext}"))
    chunks = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"//\s*expect:.*$|//~.*$", "", text, flags=re.M)
        if language == "go":
            text = re.sub(r"^package \w+\n", "", text, flags=re.M)
        chunks.append(text)
    unit = "\n".join(chunks)
    out = ["package bench\n"] if language == "go" else []
    total = 0
    i = 0
    while total < lines:
        # Rename top-level functions per copy so the file stays plausible.
        out.append(re.sub(r"\b(fn|func|void) (\w+)", rf"\1 \2_{i}", unit))
        total += unit.count("\n") + 1
        i += 1
    text = "\n".join(out)
    return "\n".join(text.splitlines()[:lines]) + "\n"


def compilable_cpp(lines: int = 10_000) -> str:
    """~`lines` lines of C++ that compile: each copy of the corpus in its own namespace.

    clang-tidy stops after 20 errors, so comparing it on code that does not compile
    would measure an early exit rather than its analysis.
    """
    files = sorted((ROOT / "tests" / "corpus" / "cpp").glob("*.cpp"))
    files.append(ROOT / "examples" / "report.cpp")
    includes: set[str] = set()
    bodies = []
    for path in files:
        text = re.sub(r"//\s*expect:.*$", "", path.read_text(encoding="utf-8"), flags=re.M)
        body = []
        for line in text.splitlines():
            if line.startswith("#include"):
                includes.add(line)
            else:
                body.append(line)
        bodies.append("\n".join(body))
    out = sorted(includes)
    total = len(out)
    i = 0
    while total < lines:
        for j, body in enumerate(bodies):
            out.append(f"namespace copy{i}_{j} {{\n{body}\n}}  // namespace copy{i}_{j}")
            total += body.count("\n") + 3
        i += 1
    return "\n".join(out) + "\n"
