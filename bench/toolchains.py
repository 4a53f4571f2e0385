"""What compile checks, linters and a measurement cost in time: `python -m bench.toolchains`.

Every figure goes through se-lsp's own code (Verifier, the linter runners, the measure
runner), so mirror upkeep, scratch files and parsing are included. Projects are small
and made fresh in a temporary directory: a Rust crate with a local dependency, a C++
file including <vector>, <string> and <iostream> with a compilation database, a Go
package. "cold" is the first check of a crate with an empty se-lsp cache; "warm" is
each next check with a new fix. A tool that is not installed is reported as skipped.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.common import fmt, header, summary, write
from se_lsp.core.settings import LinterSettings
from se_lsp.linters.runner import lint
from se_lsp.measure.runner import BenchPair, measure
from se_lsp.verify import Status
from se_lsp.verify.checker import Verifier

RUST_DEP = "\n".join(
    f"pub fn f{i}(x: u64) -> u64 {{ x.wrapping_mul({i + 3}) ^ {i} }}" for i in range(200)
)
RUST_LIB = """use std::collections::HashMap;

pub fn count(words: &[&str]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for w in words {
        *m.entry(w.to_string()).or_insert(0) += 1;
    }
    m
}

pub fn mix(x: u64) -> u64 { dep::f1(x) + dep::f199(x) + OFFSET }
"""
CPP = """#include <iostream>
#include <string>
#include <vector>

int total(const std::vector<std::string>& v) {
    int n = 0;
    for (auto s : v) { n += static_cast<int>(s.size()) + OFFSET; }
    std::cout << n << std::endl;
    return n;
}
"""
GO = """package pkg

import (
\t"fmt"
\t"strings"
)

func Same(a, b string) bool { return strings.ToLower(a) == strings.ToLower(b) }

func Show(x int) string { return fmt.Sprint(x + OFFSET) }
"""

Job = Callable[[int], Awaitable[object]]


async def timed(job: Job, n: int, start: int = 0) -> list[float]:
    out = []
    for i in range(start, start + n):
        t = time.perf_counter()
        await job(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def project(base: Path) -> dict[str, Path]:
    crate = base / "crate"
    (crate / "src").mkdir(parents=True)
    (base / "dep" / "src").mkdir(parents=True)
    (base / "dep" / "Cargo.toml").write_text(
        '[package]\nname = "dep"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (base / "dep" / "src" / "lib.rs").write_text(RUST_DEP + "\n")
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "crate_"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\ndep = { path = "../dep" }\n'
    )
    (crate / "src" / "lib.rs").write_text(RUST_LIB.replace("OFFSET", "0"))
    cpp = base / "cpp"
    cpp.mkdir()
    (cpp / "a.cpp").write_text(CPP.replace("OFFSET", "0"))
    compiler = shutil.which("c++") or "c++"
    (cpp / "compile_commands.json").write_text(
        json.dumps(
            [
                {
                    "directory": str(cpp),
                    "file": "a.cpp",
                    "arguments": [compiler, "-std=c++17", "-O2", "-c", "a.cpp", "-o", "a.o"],
                }
            ]
        )
    )
    go = base / "gomod"
    (go / "pkg").mkdir(parents=True)
    (go / "go.mod").write_text("module example.com/b\n\ngo 1.19\n")
    (go / "pkg" / "a.go").write_text(GO.replace("OFFSET", "0"))
    return {"rust": crate / "src" / "lib.rs", "cpp": cpp / "a.cpp", "go": go / "pkg" / "a.go"}


TEMPLATES = {"rust": RUST_LIB, "cpp": CPP, "go": GO}
TOOLS = {"rust": "cargo", "cpp": "c++", "go": "go"}


async def _verify_one(v: Verifier, language: str, path: Path, original: str, i: int) -> object:
    text = TEMPLATES[language].replace("OFFSET", str(i + 1))
    verdict = await v.verify(path, language, text, path.parent, original=original, timeout=600)
    assert verdict.status is Status.PASSED, verdict
    return verdict


async def _lint_one(settings: LinterSettings, language: str, path: Path, i: int) -> object:
    if i > 0:  # an edit and a save, as in the editor
        path.write_text(TEMPLATES[language].replace("OFFSET", str(i)))
    out = await lint([path], settings)
    assert not out.notes, out.notes
    return out


async def verify_costs(results: dict[str, object], cold_n: int, warm_n: int) -> None:
    for language in ("rust", "cpp", "go"):
        if shutil.which(TOOLS[language]) is None:
            print(f"  verify {language}: skipped ({TOOLS[language]} not installed)")
            continue
        colds: list[float] = []
        warms: list[float] = []
        emptied: list[float] = []
        for round_ in range(cold_n + (1 if language == "go" else 0)):
            with tempfile.TemporaryDirectory() as tmp:
                os.environ["SE_LSP_CACHE_DIR"] = str(Path(tmp) / "cache")
                if round_ == cold_n:  # Go once more, with its own build cache empty too
                    os.environ["GOCACHE"] = str(Path(tmp) / "gocache")
                path = project(Path(tmp))[language]
                original = path.read_text()
                v = Verifier()

                check = functools.partial(_verify_one, v, language, path, original)
                if round_ == cold_n:
                    emptied += await timed(check, 1, round_ * 1000)
                    del os.environ["GOCACHE"]
                    continue
                colds += await timed(check, 1, round_ * 1000)
                if round_ == 0:
                    warms += await timed(check, warm_n, 1)
        rows = [
            (f"verify {language}: cold (first check)", colds),
            (f"verify {language}: warm (each next fix)", warms),
        ]
        if emptied:
            rows.append(("verify go: first check, GOCACHE empty too", emptied))
        for name, samples in rows:
            stats = summary(samples)
            results[name] = stats
            print(fmt(name, stats))


async def linter_costs(results: dict[str, object], n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SE_LSP_CACHE_DIR"] = str(Path(tmp) / "cache")
        paths = project(Path(tmp))
        keys = {
            "clippy": "clippy",
            "clang-tidy": "clangTidy",
            "staticcheck": "staticcheck",
            "go vet": "goVet",
        }
        cases = [
            ("clippy", "rust", "cargo-clippy"),
            ("clang-tidy", "cpp", "clang-tidy"),
            ("staticcheck", "go", "go-staticcheck"),
            ("go vet", "go", "go"),
        ]
        for tool, language, exe in cases:
            if shutil.which(exe) is None and shutil.which(tool) is None:
                print(f"  {tool}: skipped (not installed)")
                continue
            only = LinterSettings.model_validate(
                {k: {"enabled": k == keys[tool]} for k in keys.values()}
            )
            path = paths[language]

            once = functools.partial(_lint_one, only, language, path)
            first = await timed(once, 1)
            later = await timed(once, n, 1)
            for name, samples in (
                (f"{tool}: first run", first),
                (f"{tool}: after each save", later),
            ):
                stats = summary(samples)
                results[name] = stats
                print(fmt(name, stats))


# Benchmark pairs where "after" does half the work of "before" per op: the runner should
# report about 2x. Each side times itself and prints `<ns> ns/op` (Go: testing.B does).
PAIRS = {
    "rust": (
        "rustc",
        "use std::time::Instant;\nfn main() { let n = 1_000_000u64; let t = Instant::now();\n"
        "let mut s = 0u64; for i in 0..n * K { s = std::hint::black_box(s + i); }\n"
        'println!("{} ns/op", t.elapsed().as_nanos() as f64 / n as f64); }\n',
    ),
    "cpp": (
        "c++",
        "#include <chrono>\n#include <cstdio>\nvolatile long sink;\nint main() {\n"
        "  const long n = 1000000; auto t = std::chrono::steady_clock::now();\n"
        "  for (long i = 0; i < n * K; ++i) { sink = i; }\n"
        "  std::chrono::duration<double, std::nano> d = std::chrono::steady_clock::now() - t;\n"
        '  std::printf("%.2f ns/op\\n", d.count() / n);\n}\n',
    ),
    "go": (
        "go",
        'package bench\n\nimport "testing"\n\nvar sink int\n\n'
        "func BenchmarkWork(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n"
        "\t\tfor j := 0; j < 1000*K; j++ {\n\t\t\tsink += j\n\t\t}\n\t}\n}\n",
    ),
}


async def measure_cost(results: dict[str, object]) -> None:
    for language, (tool, pair) in PAIRS.items():
        if shutil.which(tool) is None:
            print(f"  measure {language}: skipped ({tool} not installed)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["SE_LSP_CACHE_DIR"] = tmp
            t = time.perf_counter()
            result = await measure(
                BenchPair(
                    language=language,  # type: ignore[arg-type]
                    before=pair.replace("K", "2"),
                    after=pair.replace("K", "1"),
                ),
                runs=12,
            )
            total = (time.perf_counter() - t) * 1000
        name = f"measure {language} pair, 12 runs each"
        results[name] = {"total_ms": round(total, 1), "headline": result.comparison.headline()}
        print(
            f"  measure {language} pair (build both + 12 runs each): {total:.0f} ms "
            f"({result.comparison.headline()})"
        )


def main(cold_n: int = 3, warm_n: int = 10, lint_n: int = 5) -> None:
    header("toolchains: compile checks, linters, measure")
    results: dict[str, object] = {}
    asyncio.run(verify_costs(results, cold_n, warm_n))
    asyncio.run(linter_costs(results, lint_n))
    asyncio.run(measure_cost(results))
    path = write("toolchains", {"results": results})
    print(f"   written: {path}")


if __name__ == "__main__":
    main()
