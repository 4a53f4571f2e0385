"""May this code leave the process? Exclusions, secret redaction and local-only mode.

Everything that decides whether user code is read into a prompt or sent anywhere
is in this one module so it can be reviewed in one place. The server builds one
`Policy` per settings change (reading `.se-lspignore` once), not per request.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import math
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import pathspec

    from se_lsp.core.settings import Settings


# Files that hold secrets by convention: never analysed by the agent, never read into a prompt.
DEFAULT_SECRET_GLOBS = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.kdbx",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "secrets/",
    ".git/",
)

IGNORE_FILE = ".se-lspignore"


class Excluder:
    """Decides whether a path is excluded, from gitignore-style patterns relative to a root."""

    def __init__(self, root: Path | None, patterns: Iterable[str] = (), *, secrets: bool = False):
        self.root = root
        lines = list(patterns)
        self.problems: list[str] = []
        if root is not None:
            ignore = root / IGNORE_FILE
            if ignore.is_file():
                try:
                    lines.extend(ignore.read_text(encoding="utf-8").splitlines())
                except (OSError, UnicodeDecodeError) as err:
                    self.problems.append(f"{ignore}: cannot be read ({err})")
        self._user_patterns = lines
        self.patterns = [*DEFAULT_SECRET_GLOBS, *lines] if secrets else lines
        self._spec: pathspec.GitIgnoreSpec | None = None  # compiled on first use

    def with_secret_files(self) -> Excluder:
        """The same exclusions plus the files that hold secrets by convention (no re-read)."""
        other = Excluder.__new__(Excluder)
        other.root = self.root
        other.problems = list(self.problems)
        other._user_patterns = self._user_patterns
        other.patterns = [*DEFAULT_SECRET_GLOBS, *self._user_patterns]
        other._spec = None
        return other

    def relative(self, path: Path) -> str | None:
        if self.root is None:
            return path.name
        try:
            return PurePosixPath(path.resolve().relative_to(self.root.resolve())).as_posix()
        except ValueError:
            return None

    def excluded(self, path: Path) -> str | None:
        """The pattern that excludes `path`, or None when it is not excluded."""
        rel = self.relative(path)
        if rel is None:
            rel = path.name
        if not self.patterns:
            return None
        if self._spec is None:
            import pathspec  # ~30 ms to import: not on the server's start-up path

            self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
        result = self._spec.check_file(rel)
        if result.include:
            index = result.index
            return self.patterns[index] if index is not None else "an exclusion pattern"
        return None


# -- secret redaction ---------------------------------------------------------------
#
# Patterns follow the public shapes of the providers' tokens (as documented by the
# providers and catalogued by secret scanners). A match is replaced by a placeholder on
# the same line, so the line numbers shown to the model stay true.

_SECRET_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "private-key",
        re.compile(
            r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
            r"[\s\S]*?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
        ),
    ),
    ("aws-access-key", re.compile(r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b")),
    ("github-token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b")),
    ("github-token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b")),
    ("gitlab-token", re.compile(r"\bgl(?:pat|dt|rt|cbt|imt|ptt|agent|oas)-[A-Za-z0-9_\-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{10,}")),
    (
        "slack-webhook",
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]+"),
    ),
    ("stripe-key", re.compile(r"\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}\b")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("pypi-token", re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}")),
    (
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"),
    ),
    # user:password@ in a URL: keep the user, hide the password.
    ("url-password", re.compile(r"(?<=://)[^\s/:@'\"]+:([^\s/@'\"]{3,})(?=@)")),
]

# `password = "..."`, `api_key: '...'`, `let token = "..."` with a value that looks random.
_ASSIGNMENT = re.compile(
    r"""(?ix)
    # Bounded repeats: unbounded ones backtrack quadratically on long identifier runs.
    (?<![a-z0-9_.\-])(?P<name>[a-z0-9_.\-]{0,40}(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|access[_-]?key
        |auth[_-]?key|private[_-]?key|client[_-]?secret|credentials?)[a-z0-9_]{0,40})
    ["']?\s*(?::=|=|:|=>)\s*(?:&?\w+(?:::\w+)*\()?\s*[rb]?
    (?P<quote>["'`])(?P<value>[^"'`\r\n]{8,})(?P=quote)
    """
)


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_secret(value: str) -> bool:
    if " " in value or value.startswith(("<", "$", "{", "%")):
        return False  # prose, placeholders and format strings
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    return _entropy(value) >= 3.0 and classes >= 2


@dataclass(frozen=True, slots=True)
class Redaction:
    """Text with secrets replaced, and what was replaced (kinds only, never the values)."""

    text: str
    count: int
    kinds: tuple[str, ...]


PLACEHOLDER_PREFIX = "<REDACTED:"


def redact(text: str) -> Redaction:
    """Replace secrets in `text` with placeholders, keeping every line break in place."""
    kinds: list[str] = []

    def placeholder(kind: str, secret: str) -> str:
        kinds.append(kind)
        # A multi-line secret (a key block) keeps its line breaks so line numbers hold.
        breaks = "\n" * secret.count("\n")
        return f"{PLACEHOLDER_PREFIX}{kind}#{len(kinds)}>{breaks}"

    def replace(kind: str, m: re.Match[str]) -> str:
        # Patterns with a group hide only that group (the password, not the user name).
        group = 1 if m.re.groups else 0
        head = m.group(0)[: m.start(group) - m.start(0)]
        tail = m.group(0)[m.end(group) - m.start(0) :]
        return head + placeholder(kind, m.group(group)) + tail

    for kind, pattern in _SECRET_PATTERNS:
        text = pattern.sub(functools.partial(replace, kind), text)

    def assignment(m: re.Match[str]) -> str:
        value = m.group("value")
        if PLACEHOLDER_PREFIX in value or not _looks_secret(value):
            return m.group(0)
        start = m.start("value") - m.start(0)
        end = m.end("value") - m.start(0)
        whole = m.group(0)
        return whole[:start] + placeholder("assigned-secret", value) + whole[end:]

    text = _ASSIGNMENT.sub(assignment, text)
    return Redaction(text, len(kinds), tuple(kinds))


def contains_placeholder(text: str) -> bool:
    """True when text (e.g. a model's replacement) carries a redaction placeholder."""
    return PLACEHOLDER_PREFIX in text


# -- local-only mode ------------------------------------------------------------------


class PolicyError(Exception):
    """The policy refuses to send code there; the message says why, for the user."""


def host_of(url: str) -> str:
    """The host name or address of a URL, without IPv6 brackets."""
    return (urlsplit(url).hostname or "").strip("[]")


def is_loopback_literal(url: str) -> bool:
    """True when the URL names this machine without asking DNS (localhost, 127/8, ::1)."""
    host = host_of(url)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def check_local_only(url: str) -> None:
    """Refuse, before any socket to it opens, an endpoint that resolves off this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PolicyError(f"local-only mode: {url} is not an http(s) URL")
    host = host_of(url)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
        except OSError as err:
            raise PolicyError(f"local-only mode: cannot resolve {host}: {err}") from err
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(a.is_loopback for a in addresses):
        raise PolicyError(
            f"local-only mode (seLsp.agent.localOnly) refuses {url}: "
            "it does not resolve to this machine (127.0.0.0/8 or ::1)"
        )


# -- the policy of one settings generation ----------------------------------------------


@dataclass
class Policy:
    """What may be analysed, read into a prompt and sent, under one set of settings."""

    root: Path | None = None
    analysis: Excluder = field(default_factory=lambda: Excluder(None))
    outbound: Excluder = field(default_factory=lambda: Excluder(None, secrets=True))
    local_only: bool = False

    @classmethod
    def build(cls, settings: Settings, root: Path | None) -> Policy:
        """Read the exclusions (and `.se-lspignore`) once for these settings."""
        analysis = Excluder(root, settings.exclude)
        return cls(
            root=root,
            analysis=analysis,
            outbound=analysis.with_secret_files(),
            local_only=settings.editor.agent.local_only,
        )

    @property
    def problems(self) -> list[str]:
        return self.analysis.problems

    def excluded(self, path: Path | None) -> str | None:
        """The pattern that keeps the built-in analyzer off `path`, or None."""
        if path is None or not self.analysis.patterns:
            return None
        return self.analysis.excluded(path)

    def never_sent(self, path: Path | None) -> str | None:
        """The pattern that keeps `path` out of every prompt (secret files always), or None."""
        if path is None:
            return None
        return self.outbound.excluded(path)

    @staticmethod
    def redact(text: str) -> Redaction:
        return redact(text)

    async def check_endpoint(self, url: str) -> None:
        """Raise PolicyError when local-only mode forbids sending code to `url`."""
        if self.local_only:
            await check_local_only(url)


# -- where code may go -----------------------------------------------------------------


def host_needing_consent(url: str) -> str | None:
    """The host code sent to `url` would reach when it is not this machine, else None.

    Only literals count as this machine (see is_loopback_literal): what a name resolves
    to can change between this check and the connection.
    """
    if is_loopback_literal(url):
        return None
    try:
        host = host_of(url).lower()
    except ValueError:
        host = ""
    return host or url


# Settings that decide where code goes. The server takes them from the settings the editor
# starts it with (initializationOptions) and the environment only: editors answer later
# configuration requests per workspace (a repository's .vscode/settings.json, an Emacs
# .dir-locals.el), which must not redirect code.
DESTINATION_KEYS = ("baseUrl", "apiKeyEnv", "localOnly", "agentsDirs")


def _agent_section(raw: object) -> dict[str, object] | None:
    if isinstance(raw, dict) and isinstance(raw.get("seLsp"), dict):
        raw = raw["seLsp"]
    agent = raw.get("agent") if isinstance(raw, dict) else None
    return agent if isinstance(agent, dict) else None


def pin_destination(raw: object, start_up: object) -> tuple[object, list[str]]:
    """`raw` settings with the destination keys as in `start_up`, and the keys it changed."""
    import copy

    out = copy.deepcopy(raw)
    agent = _agent_section(out)
    pinned = _agent_section(start_up) or {}
    if agent is None:
        return out, []
    changed = []
    for key in DESTINATION_KEYS:
        if agent.get(key) != pinned.get(key):
            changed.append(key)
            if key in pinned:
                agent[key] = pinned[key]
            else:
                agent.pop(key, None)
    return out, changed
