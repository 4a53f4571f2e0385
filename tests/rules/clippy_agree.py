"""Check the Rust fixtures' marks against the clippy installed on this machine.

The marks say, line by line, what the mirrored clippy lint does: `//~ id` and
`//~ MISS id` where it fires, `//~ FP id` and no mark where it stays silent
(tests.rules.mirror_score turns them into recall and precision). This runs
`clippy-driver` over every fixture that is a whole crate (`// rustc: lib`) with the
mirrored lints enabled and prints each line where clippy and the marks disagree.

It is a tool, not a test: clippy changes between releases, and the upstream test files
(the specification) can be newer than the installed clippy; a lint added later, or a
fix made after the release, shows here as a disagreement to read, not to obey.
Run: `python -m tests.rules.clippy_agree [FIXTURE.rs ...]`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import se_lsp.rules.rust as rust
from se_lsp.rules.suppress import mirror_parts
from tests.rules.markers import FIXTURES, expectations

RUST = FIXTURES / "rust"


def lint_rules() -> dict[str, set[str]]:
    """clippy lint name -> the se-lsp rules that mirror it."""
    out: dict[str, set[str]] = {}
    for r in rust.RULESET.rules:
        for mirror in r.info.mirrors:
            tool, lint = mirror_parts(mirror)
            if tool == "clippy":
                out.setdefault(lint, set()).add(r.info.id)
    return out


def is_crate(path: Path) -> bool:
    head = path.read_text(encoding="utf-8").splitlines()[:12]
    return any(line.strip() == "// rustc: lib" for line in head)


def clippy_lines(driver: str, path: Path, lints: dict[str, set[str]]) -> set[tuple[int, str]]:
    """(0-based line, rule id) for every mirrored lint clippy reports on `path`."""
    flags = [f for lint in sorted(lints) for f in ("-W", f"clippy::{lint}")]
    common = ["--edition", "2021", "--crate-type", "lib", "--emit=metadata", "--cap-lints=warn"]
    common += ["--crate-name", "fixture", "--error-format=json"]
    with tempfile.TemporaryDirectory() as out_dir:
        proc = subprocess.run(
            [driver, *common, "--out-dir", out_dir, *flags, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    found: set[tuple[int, str]] = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        code = (msg.get("code") or {}).get("code") or ""
        tool, _, lint = code.partition("::")
        if tool != "clippy" or lint not in lints or not msg["spans"]:
            continue
        span = next((s for s in msg["spans"] if s["is_primary"]), msg["spans"][0])
        for rule_id in lints[lint]:
            found.add((span["line_start"] - 1, rule_id))
    return found


def disagreements(driver: str, path: Path, lints: dict[str, set[str]]) -> list[str]:
    mirrored = {r for ids in lints.values() for r in ids}
    exp = expectations(path.read_text(encoding="utf-8"))
    fires = clippy_lines(driver, path, lints)
    says_fires = {m for m in exp.flagged | exp.missed if m[1] in mirrored}
    says_silent = {m for m in exp.false_positive if m[1] in mirrored}
    out = [f"{ln + 1}: {rid} marked, clippy silent" for ln, rid in sorted(says_fires - fires)]
    out += [f"{ln + 1}: {rid} marked FP, clippy fires" for ln, rid in sorted(says_silent & fires)]
    unmarked = fires - says_fires - says_silent
    out += [f"{ln + 1}: {rid} unmarked, clippy fires" for ln, rid in sorted(unmarked)]
    return out


def main(argv: list[str]) -> int:
    driver = shutil.which("clippy-driver") or str(Path.home() / ".cargo/bin/clippy-driver")
    if not Path(driver).is_file():
        print("clippy-driver not found", file=sys.stderr)
        return 2
    version = subprocess.run([driver, "--version"], capture_output=True, text=True).stdout
    print(f"# {version.strip()}")
    lints = lint_rules()
    paths = [Path(a) for a in argv] or sorted(
        p for p in RUST.glob("*.rs") if ".fixed." not in p.name and is_crate(p)
    )
    bad = 0
    for path in paths:
        found = disagreements(driver, path, lints)
        bad += len(found)
        print(f"{path.name}: {'agrees' if not found else ''}")
        for line in found:
            print(f"  {line}")
    print(f"# {len(paths)} fixtures, {bad} disagreements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
