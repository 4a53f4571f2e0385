"""Every install instruction names a path that works: se-lsp is not on PyPI.

READMEs, the VS Code notification, `:checkhealth` and the Zed extension once all said
`pip install se-lsp`, which fails. The install commands that work (from the checkout) are run
by `.ci/run` exactly as README.md writes them; this test keeps the other texts from
drifting back to a package name that does not exist.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = {".md", ".py", ".ts", ".js", ".lua", ".el", ".rs", ".toml", ".json", ".sh"}
# Installing a package named se-lsp from an index, the way each tool spells it.
WRONG = (
    "pip install se-lsp",
    "pipx install se-lsp",
    "uv tool install se-lsp",
    "pip install -U se-lsp",
)


def user_facing_files() -> list[Path]:
    roots = [REPO / "README.md", REPO / "docs", REPO / "editors", REPO / "se_lsp"]
    files: list[Path] = []
    for root in roots:
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        for f in candidates:
            parts = set(f.relative_to(REPO).parts)
            # Tests may name the wrong command to check that it is gone.
            if parts & {"node_modules", "libs", "dist", "out", "__pycache__", "test"}:
                continue
            if f.is_file() and f.suffix in TEXT_SUFFIXES and "package-lock" not in f.name:
                files.append(f)
    return files


def test_no_text_tells_users_to_install_a_package_that_does_not_exist() -> None:
    files = user_facing_files()
    assert (
        len(files) > 20 and REPO / "editors" / "neovim" / "lua" / "se_lsp" / "health.lua" in files
    )
    bad = []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        bad += [f"{f.relative_to(REPO)}: {w}" for w in WRONG if w in text]
    assert bad == []


def test_the_readme_marks_the_commands_ci_runs() -> None:
    def marked(name: str) -> str:
        proc = subprocess.run(
            [sys.executable, str(REPO / ".ci" / "readme-command"), name],
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    quick = marked("quick-start")
    assert "python3 -m venv" in quick and "pip install ." in quick
    assert quick.endswith("se-lsp check examples/")
    assert marked("pipx") == "pipx install ."
    assert marked("uv") == "uv tool install ."
    assert marked("tests").endswith("pip install -e '.[test]' && pytest")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for name in ("quick-start", "pipx", "uv", "tests"):
        assert f"readme-command {name}" in ci, name
