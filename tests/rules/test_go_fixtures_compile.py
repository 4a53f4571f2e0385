"""The Go fixtures, and the files their quick fixes produce, are valid Go: `go build` compiles
each one as a package of its own. A quick fix that does not compile fails here.

Skipped when no Go toolchain is installed (CI does not need one; `apt-get install golang-go`
runs it). A fixture that needs a newer Go than the one installed says so in a comment
`// requires: go1.22` and is skipped on older toolchains.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.rules.markers import FIXTURES

GO = shutil.which("go")
_REQUIRES = re.compile(r"^// requires: go1\.(\d+)", re.M)

FILES = sorted(p for p in (FIXTURES / "go").rglob("*.go"))


def _go_minor() -> int:
    if GO is None:
        return 0
    out = subprocess.run([GO, "version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"go1\.(\d+)", out)
    return int(m.group(1)) if m else 0


@pytest.mark.skipif(GO is None, reason="no Go toolchain installed")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_type_checks(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    need = _REQUIRES.search(text)
    if need and int(need.group(1)) > _go_minor():
        pytest.skip(f"needs go1.{need.group(1)}")
    (tmp_path / "go.mod").write_text("module fixture\n\ngo 1.19\n", encoding="utf-8")
    (tmp_path / path.name.replace("_test.go", "_t.go")).write_text(text, encoding="utf-8")
    assert GO is not None
    done = subprocess.run(
        [GO, "build", "./..."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={
            "GOFLAGS": "-mod=mod",
            "GOCACHE": str(tmp_path / ".cache"),
            "HOME": str(tmp_path),
            "GOPATH": str(tmp_path / ".gopath"),
            "PATH": str(Path(GO).parent),
        },
    )
    errors = [ln for ln in done.stderr.splitlines() if re.search(r"\.go:\d+:\d+: ", ln)]
    assert done.returncode == 0 and not errors, f"{path.name} does not compile:\n{done.stderr}"
