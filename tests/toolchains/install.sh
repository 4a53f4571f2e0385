#!/usr/bin/env bash
# Installs the toolchains the compile-check, linter and measure tests run (tests/toolchains):
#   clang-tidy 14 (Debian clang-tidy, brings clang), Go 1.19 (golang-go) and staticcheck
#   (go-staticcheck; Debian installs it as `go-staticcheck`). Rust (cargo, clippy) comes
#   through rustup where it is available and is never installed here. Does nothing when
#   everything is there; a test whose tool is still missing skips and names the tool.
set -euo pipefail

packages=(clang-tidy golang-go go-staticcheck)
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if command -v cargo >/dev/null; then
  if ! cargo clippy --version >/dev/null 2>&1 && command -v rustup >/dev/null; then
    rustup component add clippy || echo "toolchains: could not add clippy; its tests will skip" >&2
  fi
else
  echo "toolchains: no cargo (install Rust with rustup); the Rust tests will skip" >&2
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "toolchains: ${packages[*]} already installed"
  exit 0
fi

apt_install() {
  local repo
  repo="$(cd "$(dirname "$0")/../.." && pwd)"
  if [ -f "$repo/.ci/apt-install" ]; then
    # CI's installer: waits for the dpkg lock and retries `apt-get update` on a busy machine.
    bash "$repo/.ci/apt-install" "$@"
    return
  fi
  if ! command -v apt-get >/dev/null; then
    echo "toolchains: no apt-get; install $* by hand (their tests skip meanwhile)" >&2
    exit 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "toolchains: not root and no sudo; cannot install $* (their tests skip)" >&2
      exit 0
    fi
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Other apt runs may hold the dpkg lock: wait for it rather than fail.
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    "$@" >/dev/null
}

echo "toolchains: installing ${missing[*]}"
apt_install "${missing[@]}"
clang-tidy --version | head -2
go version
# se-lsp looks for both names of staticcheck.
(command -v staticcheck >/dev/null && staticcheck -version) || go-staticcheck -version
