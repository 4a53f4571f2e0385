"""Shared helpers for the real-editor tests: sample sources, expected columns, isolated dirs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EDITORS = REPO / "editors"
SERVER_CMD = [sys.executable, "-m", "se_lsp"]

# Each sample has non-ASCII text (2-, 3- and 4-byte UTF-8) before the flagged token on the same
# line, so a column counted in the wrong unit lands somewhere else.
RUST = """use regex::Regex;

fn count(lines: &[&str]) -> usize {
    let mut n = 0;
    for line in lines {
        let tag = "é✓😀"; let re = Regex::new("^[0-9]+").unwrap();
        if re.is_match(line) && !tag.is_empty() { n += 1; }
    }
    n
}
"""

CPP = """#include <iostream>

void show(const char* s) {
    std::cout << "héllo ✓ 😀 " << s << std::endl;
}
"""

GO = """package demo

import "regexp"

func Count(lines []string) int {
\tn := 0
\tfor _, s := range lines {
\t\tif ok, _ := /* ñ✓😀 */ regexp.MatchString(`^[0-9]+`, s); ok {
\t\t\tn++
\t\t}
\t}
\treturn n
}
"""

SAMPLES = {
    "rust": ("src/main.rs", RUST, "rust/regex-in-loop", 'Regex::new("^[0-9]+")'),
    "cpp": ("src/show.cpp", CPP, "cpp/avoid-endl", "std::endl"),
    "go": ("demo.go", GO, "go/regexp-in-loop", "regexp.MatchString(`^[0-9]+`, s)"),
}


def locate(text: str, token: str) -> tuple[int, str]:
    """(line number, line) of the only line holding `token`."""
    hits = [(n, line) for n, line in enumerate(text.splitlines()) if token in line]
    assert len(hits) == 1, f"{token!r} must occur exactly once"
    return hits[0]


def units(line: str, col: int, encoding: str) -> int:
    """Length of line[:col] (code points) in `encoding` units, computed independently here."""
    prefix = line[:col]
    if encoding == "utf-8":
        return len(prefix.encode("utf-8"))
    if encoding == "utf-16":
        return len(prefix.encode("utf-16-le")) // 2
    return len(prefix)


def expected_range(name: str, encoding: str) -> tuple[int, int, int]:
    """(line, start, end) of the sample's flagged token, in `encoding` units."""
    _, text, _, token = SAMPLES[name]
    n, line = locate(text, token)
    start = line.index(token)
    return n, units(line, start, encoding), units(line, start + len(token), encoding)


def write_workspace(root: Path) -> dict[str, Path]:
    """A small project: the three samples and a `.se-lsp.yaml` that marks the root."""
    (root / ".se-lsp.yaml").write_text("exclude: []\n", encoding="utf-8")
    paths = {}
    for name, (rel, text, _, _) in SAMPLES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths


def isolated_env(home: Path) -> dict[str, str]:
    """Environment with HOME and XDG dirs inside `home`, so nothing leaks into the real home."""
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        path = home / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["HOME"] = str(home)
    env.pop("OPENAI_BASE_URL", None)
    env.pop("OPENAI_API_KEY", None)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


def scripted_agent_reply() -> tuple[int, str, dict[str, object], str]:
    """The model reply the editors' Optimize tests script: one finding on the Rust sample's
    non-ASCII line. Returns that line's 0-based number, its text, the finding, the reply."""
    _, text, _, _ = SAMPLES["rust"]
    line_no, line = locate(text, "é✓😀")
    finding = {
        "line_start": line_no + 1,  # the model sees 1-based line numbers
        "line_end": line_no + 1,
        "anchor": line.strip(),
        "severity": "warning",
        "category": "algorithm",
        "title": "Pattern compiled per line; hoist it out of the loop",
        "explanation": "The regex never changes but is rebuilt for each line.",
        "replacement": None,
        "impact": "one compile instead of one per line",
        "measure": "cargo bench",
        "confidence": 0.9,
    }
    reply = json.dumps({"findings": [finding], "summary": "Hoist the regex."}, ensure_ascii=False)
    return line_no, line, finding, reply
