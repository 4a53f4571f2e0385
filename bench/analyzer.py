"""Built-in analyzer speed on 10,000-line files, beside the established linters where installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import fmt, header, summary, write
from bench.sources import EXT, big_source, compilable_cpp
from se_lsp.core.positions import LineIndex
from se_lsp.rules import analyze
from se_lsp.rules.batch import collector_paused
from se_lsp.rules.engine import reanalyze

REPEAT = 15


def _time(fn: Any, repeat: int = REPEAT, paused: bool = True) -> list[float]:
    """Wall-clock runs of `fn`, with the cycle collector paused as the analysis process does."""
    fn()  # warm-up: grammar load, query compilation
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        if paused:
            with collector_paused():
                fn()
        else:
            fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _one_line_edit(text: str) -> str:
    lines = text.splitlines(keepends=True)
    mid = len(lines) // 2
    lines[mid] = lines[mid].rstrip("\n") + " // edited\n"
    return "".join(lines)


def _clang_tidy(text: str) -> list[float] | None:
    # `pip install clang-tidy` puts it beside this interpreter, which may not be on PATH.
    exe = shutil.which("clang-tidy") or shutil.which(
        "clang-tidy", path=str(Path(sys.executable).parent)
    )
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "big.cpp"
        src.write_text(text)
        cmd = [exe, "-checks=-*,performance-*", str(src), "--", "-std=c++17"]
        out = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=False)
            out.append((time.perf_counter() - t) * 1000)
        return out


_SUFFIXES = {"rust": (".rs",), "cpp": (".cc", ".cpp", ".cxx", ".h", ".hpp"), "go": (".go",)}


def _real_code(language: str, root: Path) -> dict[str, Any]:
    """Full analysis of every file of a project the rules were not written against, as
    milliseconds per 10,000 lines (the benchmark file repeats our own corpus, which is
    dense with findings; real code mostly is not)."""
    files = sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES[language] and p.is_file())
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    lines = sum(t.count("\n") + 1 for t in texts)
    findings = sum(len(analyze(t, language).findings) for t in texts)  # warm-up too
    per_pass = _time(lambda: [analyze(t, language, index=LineIndex(t)) for t in texts], repeat=5)
    scale = 10_000 / max(lines, 1)
    s = summary([ms * scale for ms in per_pass])
    label = f"{language}: real code, {root.name} ({len(files)} files, {lines:,} lines)"
    print(fmt(f"{label}: per 10,000 lines, {findings} findings", s, "≤ 80 ms"))
    return {"project": root.name, "files": len(files), "lines": lines, "findings": findings, **s}


def main(real: dict[str, list[Path]] | None = None) -> dict[str, Any]:
    """`real`: project folders per language to time besides the benchmark file."""
    header("built-in analyzer, 10,000-line files")
    results: dict[str, Any] = {}
    for language in EXT:
        # C++ uses code that compiles, so clang-tidy analyses it in full (see compilable_cpp).
        text = compilable_cpp() if language == "cpp" else big_source(language)
        edited = _one_line_edit(text)
        full = _time(lambda t=text, lang=language: analyze(t, lang, index=LineIndex(t)))
        full_gc = _time(
            lambda t=text, lang=language: analyze(t, lang, index=LineIndex(t)), paused=False
        )
        first = analyze(text, language)
        # The server splices its line index on each edit (~0.4 ms); build it once here.
        edited_index = LineIndex(edited)
        edit = _time(
            lambda e=edited, lang=language, prev=first, i=edited_index: reanalyze(
                prev, e, lang, index=i, exact=False
            )
        )
        settle = _time(
            lambda e=edited, lang=language, prev=first, i=edited_index: reanalyze(
                prev, e, lang, index=i, exact=True
            )
        )
        # The server's own path: typing passes (exact=False), then one exact pass on the same
        # text once typing pauses.
        typed = reanalyze(first, edited, language, index=edited_index, exact=False)
        after_typing = _time(
            lambda e=edited, lang=language, prev=typed, i=edited_index: reanalyze(
                prev, e, lang, index=i, exact=True
            )
        )
        s_full, s_edit = summary(full), summary(edit)
        print(fmt(f"{language}: full analysis ({len(first.findings)} findings)", s_full, "≤ 80 ms"))
        s_full_gc = summary(full_gc)
        print(fmt(f"{language}: full analysis, cycle collector on", s_full_gc))
        s_settle = summary(settle)
        print(fmt(f"{language}: one-line edit, while typing", s_edit, "≤ 5 ms"))
        print(fmt(f"{language}: one-line edit, exact (typing paused)", s_settle))
        s_after = summary(after_typing)
        print(fmt(f"{language}: exact pass after typing passes", s_after))
        reals = [_real_code(language, root) for root in (real or {}).get(language, [])]
        results[language] = {
            "real_code": reals,
            "full": s_full,
            "full_collector_on": s_full_gc,
            "edit": s_edit,
            "edit_exact": s_settle,
            "exact_after_typing": s_after,
            "findings": len(first.findings),
        }
        if language == "cpp":
            ct = _clang_tidy(text)
            if ct is None:
                print("  clang-tidy: not installed (pip install clang-tidy) — comparison skipped")
            else:
                s_ct = summary(ct)
                ratio = s_ct["median"] / s_full["median"]
                print(fmt("cpp: clang-tidy -checks=-*,performance-*", s_ct))
                print(f"  se-lsp is {ratio:.0f}x faster than clang-tidy on this file   [≥ 25x]")
                results["clang_tidy"] = {"stats": s_ct, "ratio": round(ratio, 1)}
    write("analyzer", results)
    return results


def _args(argv: list[str]) -> dict[str, list[Path]]:
    """`--real rust=DIR` (repeatable): also time the analysis of a project's files."""
    out: dict[str, list[Path]] = {}
    it = iter(argv)
    for arg in it:
        if arg == "--real":
            language, _, folder = next(it, "").partition("=")
            if language not in EXT or not Path(folder).is_dir():
                sys.exit(f"--real wants LANGUAGE=DIR with LANGUAGE one of {', '.join(EXT)}")
            out.setdefault(language, []).append(Path(folder))
    return out


if __name__ == "__main__":
    main(_args(sys.argv[1:]))
