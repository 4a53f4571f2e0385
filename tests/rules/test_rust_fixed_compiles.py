"""Rust fixtures that are whole crates compile before and after their quick fixes.

A fixture opts in with a `// rustc: lib` line among its first lines. rustc is run on the
fixture and on its `.fixed.rs` (metadata only, no network crates): a fix that does not
compile is a wrong fix, whatever the marks say. The shipped example (examples/lines.rs) is
checked the same way, with every quick fix the analyzer offers on it applied.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from se_lsp.rules import analyze
from tests.rules.markers import FIXTURES, apply_fixes, fixed_path

RUST = FIXTURES / "rust"


def _crates() -> list[Path]:
    out = []
    for p in sorted(RUST.glob("*.rs")):
        if ".fixed." in p.name:
            continue
        head = p.read_text(encoding="utf-8").splitlines()[:12]
        if any(line.strip() == "// rustc: lib" for line in head):
            out.append(p)
    return out


def _rustc() -> str | None:
    found = shutil.which("rustc")
    fallback = Path.home() / ".cargo" / "bin" / "rustc"
    return found or (str(fallback) if fallback.is_file() else None)


def _check(rustc: str, path: Path, out_dir: Path) -> tuple[bool, str]:
    proc = subprocess.run(
        [
            rustc,
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "-A",
            "warnings",
            "--crate-name",
            "fixture",
            "--out-dir",
            str(out_dir),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0, proc.stderr


def test_some_fixtures_are_checked_by_rustc() -> None:
    assert len(_crates()) >= 5


@pytest.mark.parametrize("path", _crates(), ids=lambda p: p.name)
def test_fixture_and_fix_compile(path: Path, tmp_path: Path) -> None:
    rustc = _rustc()
    if rustc is None:
        pytest.skip("rustc not installed")
    ok, err = _check(rustc, path, tmp_path)
    assert ok, f"{path.name} must compile for its fixes to be judged:\n{err}"
    fixed = fixed_path(path)
    if fixed.exists():
        ok, err = _check(rustc, fixed, tmp_path)
        assert ok, f"the fixes in {fixed.name} do not compile:\n{err}"


# The example uses the regex crate; tests reach no network, so a local module stands in.
_REGEX_STANDIN = """
mod regex {
    pub struct Regex(String);
    impl Regex {
        pub fn new(p: &str) -> Result<Regex, String> {
            Ok(Regex(p.to_string()))
        }
        pub fn is_match(&self, s: &str) -> bool {
            s.contains(self.0.as_str())
        }
    }
}
"""


def test_example_fixes_compile(tmp_path: Path) -> None:
    rustc = _rustc()
    if rustc is None:
        pytest.skip("rustc not installed")
    example = Path(__file__).resolve().parents[2] / "examples" / "lines.rs"
    text = example.read_text(encoding="utf-8")
    before = tmp_path / "lines.rs"
    before.write_text(text + _REGEX_STANDIN, encoding="utf-8")
    ok, err = _check(rustc, before, tmp_path)
    assert ok, f"examples/lines.rs must compile:\n{err}"
    fixed = apply_fixes(text, analyze(text, "rust").findings)
    assert fixed is not None, "the example is there to show quick fixes"
    after = tmp_path / "lines_fixed.rs"
    after.write_text(fixed + _REGEX_STANDIN, encoding="utf-8")
    ok, err = _check(rustc, after, tmp_path)
    assert ok, f"fixes broke examples/lines.rs:\n{err}"
