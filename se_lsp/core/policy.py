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
from collections.abc import Callable, Iterable
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
# Three nets, widest last, each erring on the side of redacting:
#
# 1. Provider token shapes, after the rule families of gitleaks and detect-secrets: AWS,
#    GCP, Azure, GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, Hugging Face and more,
#    JWTs, private key blocks (also one that never ends), URL and connection-string
#    passwords, Authorization headers.
# 2. A value given to a secret-sounding name, wherever the code gives it: assignments,
#    map and struct literals, designated initialisers, pairs, setters and `insert` calls.
# 3. Any string literal that looks random: long and high-entropy base64 or hex.
#
# Every pattern is linear in the text: no two quantifiers compete for the same
# characters (possessive quantifiers and atomic groups, Python 3.11), and the generic
# patterns start only at the start of a token. A match is replaced by a placeholder with
# the same number of line breaks, so the line numbers shown to the model stay true.

_B64 = r"[A-Za-z0-9+/]"
_TOKEN_CHARS = r"[A-Za-z0-9_\-]"

_SECRET_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "private-key",
        re.compile(
            r"-----BEGIN[ A-Z0-9_-]{0,100}?PRIVATE KEY(?: BLOCK)?-----"
            r"(?:(?!-----END)[\s\S])*+"
            r"(?:-----END[ A-Z0-9_-]{0,100}?PRIVATE KEY(?: BLOCK)?-----|\Z)"
        ),
    ),
    (
        "aws-access-key",
        re.compile(
            r"(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA"
            r"|APKA|AROA)[A-Z0-9]{16}(?![A-Za-z0-9])"
        ),
    ),
    ("github-token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,255}+")),
    ("github-token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}+")),
    (
        "gitlab-token",
        re.compile(
            r"\b(?:gl(?:pat|dt|rt|cbt|imt|ptt|agent|oas|soat|ft|cd)-|GR1348941)"
            + _TOKEN_CHARS
            + r"{20,}+"
        ),
    ),
    ("slack-token", re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{10,}+")),
    ("slack-token", re.compile(r"\bxoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{20,}+")),
    ("slack-token", re.compile(r"\bxapp-\d-[A-Za-z0-9-]{20,}+")),
    (
        "slack-webhook",
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]++"),
    ),
    ("stripe-key", re.compile(r"\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}+")),
    ("stripe-key", re.compile(r"\bwhsec_[A-Za-z0-9]{24,}+")),
    ("google-api-key", re.compile(r"\bAIza" + _TOKEN_CHARS + r"{35}(?!" + _TOKEN_CHARS + ")")),
    ("gcp-oauth-secret", re.compile(r"\bGOCSPX-" + _TOKEN_CHARS + r"{20,}+")),
    ("gcp-access-token", re.compile(r"\bya29\.[A-Za-z0-9_\-.]{20,}+")),
    (
        "azure-client-secret",
        re.compile(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}+"),
    ),
    (
        "azure-key",
        re.compile(r"(?i:AccountKey|SharedAccessKey|AccessKey)=(" + _B64 + r"{20,}+=*+)"),
    ),
    ("azure-sas", re.compile(r"(?i:[?&;]sig=)([A-Za-z0-9%+/=]{20,}+)")),
    ("anthropic-key", re.compile(r"\bsk-ant-" + _TOKEN_CHARS + r"{20,}+")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-|None-)?" + _TOKEN_CHARS + r"{20,}+")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}+")),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("pypi-token", re.compile(r"\bpypi-AgEIcHlwaS5vcmc" + _TOKEN_CHARS + r"{50,}+")),
    (
        "sendgrid-key",
        re.compile(r"\bSG\." + _TOKEN_CHARS + r"{22}\." + _TOKEN_CHARS + r"{43}(?![A-Za-z0-9_\-])"),
    ),
    ("twilio-key", re.compile(r"\bSK[0-9a-fA-F]{32}\b")),
    ("telegram-token", re.compile(r"\b\d{8,10}:AA" + _TOKEN_CHARS + r"{33}(?![A-Za-z0-9_\-])")),
    ("shopify-token", re.compile(r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b")),
    ("databricks-token", re.compile(r"\bdapi[a-f0-9]{32}(?:-\d)?\b")),
    ("digitalocean-token", re.compile(r"\bdo[por]_v1_[a-f0-9]{64}\b")),
    ("mailgun-key", re.compile(r"\bkey-[0-9a-zA-Z]{32}\b")),
    ("square-token", re.compile(r"\b(?:sq0atp|sq0csp|EAAA)-?" + _TOKEN_CHARS + r"{22,60}+")),
    ("age-secret-key", re.compile(r"\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b")),
    (
        "jwt",
        re.compile(
            r"\beyJ"
            + _TOKEN_CHARS
            + r"{10,}+\."
            + _TOKEN_CHARS
            + r"{10,}+\."
            + _TOKEN_CHARS
            + r"{10,}+"
        ),
    ),
    # user:password@ in a URL: keep the user, hide the password.
    ("url-password", re.compile(r"(?<=://)[^\s/:@'\"]++:([^\s/@'\"]{3,}+)(?=@)")),
    # Password=...; in connection strings (ADO.NET, ODBC, JDBC properties).
    (
        "connection-password",
        re.compile(r"(?i:(?<=[;\"'])[ \t]*+(?:password|pwd)[ \t]*+=[ \t]*+)([^;'\"\r\n]{3,}+)"),
    ),
    ("authorization", re.compile(r"(?i:\b(?:bearer|basic)\s++)([A-Za-z0-9._~+/\-]{16,}+=*+)")),
]

# A name, bare or quoted, then what gives it a value, then a string literal. It starts
# only where a token starts, so each character is read by at most one attempt.
_GIVEN = re.compile(
    r"""(?x)
    (?<![A-Za-z0-9_$.\-])
    (?P<q>["'`]?)\.?(?P<name>[A-Za-z_$][A-Za-z0-9_$.\-]{0,100}+)(?P=q)
    [ \t]*+(?P<sep>:=|=>|==|=|:|,|\(|\{)[ \t]*+
    (?:[&*]?[A-Za-z_][A-Za-z0-9_:<>]{0,60}+[ \t]*+[(\[{][ \t]*+)?
    (?:u8|[rbuLR])?\#*+(?P<quote>["'`])(?P<value>[^"'`\r\n\\]{6,}+)(?P=quote)
    """
)

# Names that hold a secret whatever its value looks like (a substring of the name)...
# The same with a type between the name and `=`: `let password: &str = "…"` (Rust,
# also TypeScript-like), `var password string = "…"` (Go).
_VALUE_AFTER_EQUALS = r"""
    [ \t]*+(?P<sep>=)(?![=>])[ \t]*+
    (?:[A-Za-z_][A-Za-z0-9_:<>]{0,60}+[ \t]*+[(\[{][ \t]*+)?
    (?:u8|[rbuLR])?\#*+(?P<quote>["'`])(?P<value>[^"'`\r\n\\]{6,}+)(?P=quote)
"""
_GIVEN_TYPED = [
    re.compile(
        r"""(?x)
        (?<![A-Za-z0-9_$.\-])(?P<name>[A-Za-z_][A-Za-z0-9_]{0,100}+)
        [ \t]*+:(?!:)[ \t]*+[^=\r\n;]{1,60}?"""
        + _VALUE_AFTER_EQUALS
    ),
    re.compile(
        r"""(?x)
        \bvar[ \t]++(?P<name>[A-Za-z_][A-Za-z0-9_]{0,100}+)[ \t]++[^=\r\n;]{1,60}?"""
        + _VALUE_AFTER_EQUALS
    ),
]

_SECRET_WORDS = (
    "passw",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "accesskey",
    "access_key",
    "authkey",
    "auth_key",
    "privatekey",
    "private_key",
    "credential",
    "bearer",
    "session_key",
    "sessionkey",
    "client_key",
    "encryption_key",
    "signing_key",
    "passphrase",
    "conn_str",
    "connection_string",
    "dsn",
)
# ...and names (their last word) that hold one when the value looks random.
_MAYBE_SECRET_NAMES = {"key", "auth", "sig", "signature", "salt"}
# Short last words that hold a secret as surely as `password` does.
_SECRET_LAST_WORDS = {"pass", "pw", "cred", "creds"}
# The last word of names that are about a secret rather than hold one.
_ABOUT_A_SECRET = {
    "name",
    "names",
    "field",
    "label",
    "header",
    "env",
    "var",
    "path",
    "file",
    "prefix",
    "type",
    "kind",
    "id",
    "len",
    "length",
    "size",
    "count",
    "url",
    "param",
    "regex",
    "pattern",
    "format",
    "fmt",
    "title",
    "prompt",
    "placeholder",
    "hint",
    "message",
    "msg",
    "error",
    "err",
    "policy",
    "rule",
    "expiry",
    "expires",
    "ttl",
    "timeout",
}

# A string literal that looks random, whatever it is given to.
_RANDOM_LITERAL = re.compile(
    r"""(?<![A-Za-z0-9+/=_\-])(?P<quote>["'`])(?P<value>[A-Za-z0-9+/=_\-]{20,}+)(?P=quote)"""
)

_BREAKS = re.compile(r"\r\n|\r|\n")


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def _looks_secret(value: str) -> bool:
    """A value given to a secret-sounding name: anything but prose, placeholders and words."""
    if " " in value or value.startswith(("<", "$", "{", "%")) or PLACEHOLDER_PREFIX in value:
        return False  # prose, placeholders and format strings
    if len(_FORMAT_DIRECTIVE.sub("", value)) < 3:
        return False  # a format string: "%s", "{}:{}"
    plain_word = (
        value.isalpha()
        and len(value) < 12
        and (value.islower() or value.isupper() or value.istitle())
    )
    # Names and paths without a digit (`ACCESS_TOKEN`, `auth/token`) say where a secret is.
    return not plain_word and _CODE_LIKE.fullmatch(value) is None


def _looks_random(value: str, length: int = 20) -> bool:
    """A literal nobody would type: long hex, or long base64 mixing cases and digits."""
    if PLACEHOLDER_PREFIX in value or len(value) < length:
        return False
    if len(value) >= 32 and all(c in "0123456789abcdefABCDEF" for c in value):
        # A hash or a key in hex; a long decimal number is neither.
        return not value.isdigit() and _entropy(value) >= 3.0
    mixed = (
        any(c.isdigit() for c in value)
        and any(c.islower() for c in value)
        and any(c.isupper() for c in value)
    )
    if not mixed or _entropy(value) < 3.7:
        return False
    # Identifiers and names made of words (`InputUnionMember1Message`, `BSD-3-Clause`)
    # are not random; a random base64 string passes this less than 1 time in 100.
    parts = [p for p in re.split(r"[-_./+=]", value) if p]
    return not all(_WORDS.fullmatch(p) for p in parts)


_WORDS = re.compile(r"(?:[A-Z]?[a-z]{2,}+|[A-Z]{2,6}+(?![a-z])|[0-9]++|[A-Z](?=[0-9]))++")
_FORMAT_DIRECTIVE = re.compile(r"%[-+ #0-9.]*+[a-zA-Z]|\{[^{}]{0,20}+\}")

# Values that name a secret rather than are one: ENV_NAMES, snake_case and camelCase
# identifiers, dotted, slashed and :: paths of words. None of them has a digit.
_CODE_LIKE = re.compile(
    r"[A-Z][A-Z_]*+_[A-Z_]++"
    r"|_?[a-z]++(?:_[a-z]++)++"
    r"|[a-z]++(?:[A-Z][a-z]++)++"
    r"|[A-Za-z_]++(?:(?:\.|/|::)[A-Za-z_]++)++"
)


def _holds_secret(name: str, value: str) -> bool:
    """True when `name` holds a secret (`db_password`), not one about it (`api_key_name`),
    and `value` could be one."""
    words = [w for w in re.split(r"[._\-$]|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    if not words or words[-1].lower() in _ABOUT_A_SECRET:
        return False
    lowered = name.lower()
    if words[-1].lower() in _SECRET_LAST_WORDS or any(w in lowered for w in _SECRET_WORDS):
        return _looks_secret(value)
    if words[-1].lower() in _MAYBE_SECRET_NAMES:
        return _looks_random(value, 12) or (
            _looks_secret(value) and any(c.isdigit() for c in value) and _entropy(value) >= 3.0
        )
    return False


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
        breaks = "\n" * len(_BREAKS.findall(secret))
        return f"{PLACEHOLDER_PREFIX}{kind}#{len(kinds)}>{breaks}"

    def replace(kind: str, m: re.Match[str]) -> str:
        # Patterns with a group hide only that group (the password, not the user name).
        group = 1 if m.re.groups else 0
        head = m.group(0)[: m.start(group) - m.start(0)]
        tail = m.group(0)[m.end(group) - m.start(0) :]
        return head + placeholder(kind, m.group(group)) + tail

    for kind, pattern in _SECRET_PATTERNS:
        text = pattern.sub(functools.partial(replace, kind), text)

    def value_of(kind: str, m: re.Match[str]) -> str:
        start = m.start("value") - m.start(0)
        end = m.end("value") - m.start(0)
        whole = m.group(0)
        return whole[:start] + placeholder(kind, m.group("value")) + whole[end:]

    def given(m: re.Match[str]) -> str | None:
        name = m.group("name")
        if m.group("sep") in "({":  # a call: `set_password("…")`, not `password.encode("…")`
            name = name.rsplit(".", 1)[-1]
        if not _holds_secret(name, m.group("value")):
            return None
        return value_of("assigned-secret", m)

    def random_literal(m: re.Match[str]) -> str:
        if not _looks_random(m.group("value")):
            return m.group(0)
        return value_of("random-literal", m)

    text = _sub_given(_GIVEN, text, given)
    for typed in _GIVEN_TYPED:
        text = _sub_given(typed, text, given)
    text = _RANDOM_LITERAL.sub(random_literal, text)
    return Redaction(text, len(kinds), tuple(kinds))


def _sub_given(
    pattern: re.Pattern[str], text: str, replace: Callable[[re.Match[str]], str | None]
) -> str:
    """Like `pattern.sub`, but a match that is not a secret gives way at its value's quote.

    In `m.insert("password", "hunter2")` the first match is the call `insert("password"`;
    it holds no secret, and the name it swallowed must get its own chance.
    """
    out: list[str] = []
    pos = done = 0
    while (m := pattern.search(text, pos)) is not None:
        replacement = replace(m)
        if replacement is None:
            pos = max(m.start("quote"), m.start() + 1)
            continue
        out.append(text[done : m.start()])
        out.append(replacement)
        pos = done = m.end()
    out.append(text[done:])
    return "".join(out)


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
