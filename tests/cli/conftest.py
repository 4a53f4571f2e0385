"""The CLI as a user runs it: the installed `se-lsp` console script, never `python -m`.

The command is the one pip put beside this interpreter (`pip install -e '.[test]'` in the
README's test command, or the CI venv); SE_LSP_BIN names another one, e.g. a wheel
installed into a fresh venv. Each test runs it in a subprocess with an environment that
holds no model endpoint unless the test sets one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def installed_command() -> Path:
    named = os.environ.get("SE_LSP_BIN")
    if named:
        return Path(named)
    bindir = Path(sys.executable).parent
    return bindir / ("se-lsp.exe" if os.name == "nt" else "se-lsp")


@pytest.fixture(scope="session")
def se_lsp() -> Path:
    exe = installed_command()
    if not exe.is_file():
        pytest.fail(
            f"{exe} is not there: the CLI tests run the installed command; "
            "install the package first (pip install -e '.[test]')"
        )
    return exe


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without model settings, with UTF-8 output, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SE_LSP_"))}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def run(
    exe: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
        env=env if env is not None else clean_env(),
    )
