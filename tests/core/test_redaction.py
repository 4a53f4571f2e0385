"""Redaction with freshly generated secrets: every provider shape, every place code puts one.

Fixed example strings prove little: a pattern can fit the example and miss the next
key (the AWS pattern once accepted only base32 letters after `AKIA`). Here hypothesis
draws new values in each provider's documented alphabet and length, and new values
for secret-sounding names, and plants them in Rust, C++ and Go the way code holds
them: assignments, map and struct literals, designated initialisers, pairs, setter
calls, raw strings, URLs, headers, comments. The drawn value must be gone and the
line count must not change. A last test feeds each pattern its worst input.
"""

from __future__ import annotations

import base64
import re
import string
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from se_lsp.core.policy import redact as _redact

PLACEHOLDER = re.compile(r"<REDACTED:[^>]*>")


class Out:
    """What the model would be sent, with the placeholders themselves taken out."""

    def __init__(self, text: str) -> None:
        self.full = _redact(text).text
        self.text = PLACEHOLDER.sub("<>", self.full)


def redact(text: str) -> Out:
    return Out(text)


UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


def text_of(alphabet: str, size: int | tuple[int, int]) -> st.SearchStrategy[str]:
    lo, hi = (size, size) if isinstance(size, int) else size
    return st.text(alphabet=alphabet, min_size=lo, max_size=hi)


@st.composite
def provider_secret(draw: st.DrawFn) -> tuple[str, str, str]:
    """(kind, the whole token, the part that must never be shown)."""
    kind = draw(st.sampled_from(sorted(SHAPES)))
    whole, hidden = draw(SHAPES[kind])
    return kind, whole, hidden


def _prefixed(prefixes: list[str], alphabet: str, size: int | tuple[int, int]):
    return st.tuples(st.sampled_from(prefixes), text_of(alphabet, size)).map(
        lambda t: (t[0] + t[1], t[1])
    )


def _jwt() -> st.SearchStrategy[tuple[str, str]]:
    part = st.binary(min_size=12, max_size=60).map(
        lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
    )
    return st.tuples(part, part, part).map(
        lambda t: (f"eyJhbGciOiJ{t[0]}.eyJzdWIiOi{t[1]}.{t[2]}", t[2])
    )


def _private_key() -> st.SearchStrategy[tuple[str, str]]:
    kinds = ["RSA ", "EC ", "OPENSSH ", "DSA ", "ENCRYPTED ", ""]
    body = st.binary(min_size=60, max_size=400).map(lambda b: base64.b64encode(b).decode())

    def block(t: tuple[str, str, bool]) -> tuple[str, str]:
        label, data, closed = t
        lines = "\n".join(data[i : i + 64] for i in range(0, len(data), 64))
        text = f"-----BEGIN {label}PRIVATE KEY-----\n{lines}\n"
        if closed:
            text += f"-----END {label}PRIVATE KEY-----"
        return text, data[:40]

    return st.tuples(st.sampled_from(kinds), body, st.booleans()).map(block)


def _url_password() -> st.SearchStrategy[tuple[str, str]]:
    password = text_of(ALNUM + "!$&*+,;=~-._", (6, 30))
    scheme = st.sampled_from(["postgres", "mysql", "redis", "amqp", "https", "mongodb+srv"])
    return st.tuples(scheme, password).map(
        lambda t: (f"{t[0]}://svc:{t[1]}@db.internal:5432/app", t[1])
    )


def _azure_secret() -> st.SearchStrategy[tuple[str, str]]:
    head = text_of(ALNUM + "_~.", 3)
    digit = st.sampled_from(string.digits)
    tail = text_of(ALNUM + "_~.-", (31, 34))
    return st.tuples(head, digit, tail).map(lambda t: (f"{t[0]}{t[1]}Q~{t[2]}", t[2]))


def _azure_key() -> st.SearchStrategy[tuple[str, str]]:
    key = st.binary(min_size=64, max_size=64).map(lambda b: base64.b64encode(b).decode())
    return key.map(
        lambda k: (
            f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={k};"
            "EndpointSuffix=core.windows.net",
            k,
        )
    )


SHAPES: dict[str, st.SearchStrategy[tuple[str, str]]] = {
    "aws-access-key": _prefixed(
        ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "A3T2"], UPPER_DIGITS, 16
    ),
    "gcp-api-key": _prefixed(["AIza"], URLSAFE, 35),
    "gcp-oauth-secret": _prefixed(["GOCSPX-"], URLSAFE, 28),
    "gcp-access-token": _prefixed(["ya29."], URLSAFE, (40, 120)),
    "azure-client-secret": _azure_secret(),
    "azure-storage-key": _azure_key(),
    "github-token": _prefixed(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], ALNUM, 36),
    "github-pat": _prefixed(["github_pat_"], ALNUM + "_", 82),
    "gitlab-token": _prefixed(["glpat-", "gldt-", "glrt-", "glptt-", "glcbt-"], URLSAFE, 20),
    "slack-token": st.tuples(
        st.sampled_from(["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"]),
        text_of(string.digits, 12),
        text_of(ALNUM, 24),
    ).map(lambda t: (f"{t[0]}{t[1]}-{t[1]}-{t[2]}", t[2])),
    "slack-webhook": text_of(UPPER_DIGITS, 24).map(
        lambda s: (f"https://hooks.slack.com/services/T0123/B0456/{s}", s)
    ),
    "stripe-key": _prefixed(["sk_live_", "sk_test_", "rk_live_"], ALNUM, (24, 99)),
    "openai-key": _prefixed(["sk-", "sk-proj-", "sk-svcacct-", "sk-admin-"], URLSAFE, (20, 160)),
    "anthropic-key": _prefixed(["sk-ant-api03-", "sk-ant-admin01-"], URLSAFE, (80, 100)),
    "huggingface-token": _prefixed(["hf_"], ALNUM, 34),
    "npm-token": _prefixed(["npm_"], ALNUM, 36),
    "sendgrid-key": st.tuples(text_of(URLSAFE, 22), text_of(URLSAFE, 43)).map(
        lambda t: (f"SG.{t[0]}.{t[1]}", t[1])
    ),
    "digitalocean-token": _prefixed(["dop_v1_", "doo_v1_"], HEX, 64),
    "databricks-token": _prefixed(["dapi"], HEX, 32),
    "jwt": _jwt(),
    "private-key": _private_key(),
    "url-password": _url_password(),
}

# How code holds a token: `{s}` is the token.
PLACES = [
    'let key = "{s}";',
    'const TOKEN: &str = "{s}";',
    'std::string secret = "{s}";',
    'static const char* kAuth = "{s}";',
    'client := NewClient("{s}")',
    'cfg := Config{{Endpoint: "x", Auth: "{s}"}}',
    'let cfg = Config {{ endpoint: "x".into(), auth: "{s}".to_string() }};',
    'm := map[string]string{{"k": "{s}"}}',
    '{{"k", "{s}"}},',
    'let raw = r#"{{"auth": "{s}"}}"#;',
    'const char* raw = R"json({{"auth": "{s}"}})json";',
    'headers.insert("Authorization", format!("Bearer {{}}", "{s}"));',
    'req.Header.Set("Authorization", "Bearer {s}")',
    "// the old key was {s}, rotated",
    "    /* {s} */",
    "let s = `{s}`;",
    'std::getenv("X") ?: "{s}"',
]


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(secret=provider_secret(), place=st.sampled_from(PLACES), crlf=st.booleans())
def test_generated_provider_tokens_never_survive(
    secret: tuple[str, str, str], place: str, crlf: bool
) -> None:
    kind, whole, hidden = secret
    code = "fn f() {\n    " + place.format(s=whole) + "\n}\n"
    assume(hidden not in code.replace(whole, "\x00"))  # it occurs only inside the token
    if crlf:
        code = code.replace("\n", "\r\n")
    out = redact(code)
    assert hidden not in out.text, (kind, place, out.text)
    assert out.full.count("\n") == code.count("\n")
    assert len(out.full.splitlines()) == len(code.splitlines())


SECRET_NAMES = [
    "password",
    "db_password",
    "passwd",
    "pwd",
    "secret",
    "client_secret",
    "api_key",
    "apiKey",
    "APIKey",
    "access_token",
    "refresh_token",
    "auth_token",
    "private_key",
    "signing_key",
    "encryption_key",
    "session_key",
    "credentials",
    "bearer_token",
    "webhookSecret",
    "DB_PASS",
    "token",
    "Token",
    "PASSWORD",
    "secretKey",
    "AccessKey",
]
# Where code gives a value to a name: `{n}` is the name, `{v}` the value.
GIVEN = [
    'let {n} = "{v}";',
    'let {n}: &str = "{v}";',
    'let {n} = String::from("{v}");',
    'const {n}: &str = "{v}";',
    'std::string {n} = "{v}";',
    'std::string {n}("{v}");',
    'std::string {n}{{"{v}"}};',
    'auto {n} = std::string("{v}");',
    '{n} := "{v}"',
    'var {n} = "{v}"',
    'cfg := Config{{{n}: "{v}"}}',
    'let cfg = Config {{ {n}: "{v}".into() }};',
    'Config cfg{{ .{n} = "{v}" }};',
    'm := map[string]string{{"{n}": "{v}"}}',
    'let m = HashMap::from([("{n}", "{v}")]);',
    'std::map<std::string, std::string> m{{{{"{n}", "{v}"}}}};',
    'm.insert("{n}", "{v}");',
    'opts.set_{n}("{v}");',
    'let raw = r#"{{"{n}": "{v}"}}"#;',
    'os.Setenv("{n}", "{v}")',
]
# Values as people and generators make them: varied, with a digit or a symbol in them.
SECRET_VALUE = st.text(alphabet=ALNUM + "!#%&*+-./:;<=>?@^_|~", min_size=8, max_size=48).filter(
    lambda v: len(set(v)) >= 8 and any(c in string.digits + "!#%&*+-<=>?@^|~" for c in v)
)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(SECRET_NAMES), value=SECRET_VALUE, place=st.sampled_from(GIVEN))
def test_values_given_to_secret_names_never_survive(name: str, value: str, place: str) -> None:
    assume(not value.startswith(("<", "$", "{", "%")))
    code = "fn f() {\n    " + place.format(n=name, v=value) + "\n}\n"
    assume(code.count(value) == 1)
    out = redact(code)
    assert value not in out.text, (name, place, out.text)
    assert out.full.count("\n") == code.count("\n")


RANDOM_LITERAL = st.binary(min_size=24, max_size=64).map(
    lambda b: base64.b64encode(b).decode().rstrip("=")
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=RANDOM_LITERAL, holder=st.sampled_from(["x", "data", "blob", "v", "init"]))
def test_random_literals_are_redacted_whatever_holds_them(value: str, holder: str) -> None:
    assume(len(set(value)) >= 16)  # random, not b"\0" * 24
    has = {c.isdigit() for c in value} | {c.isupper() for c in value}
    assume(any(c.isdigit() for c in value) and any(c.isupper() for c in value) and True in has)
    code = f'let {holder} = "{value}";\nfoo("{value}");\n'
    out = redact(code)
    assert value not in out.text, out.text


ORDINARY = [
    'let msg = "hello world, nothing to see";',
    'password := os.Getenv("DB_PASSWORD")',
    'std::string token = "<your token here>";',
    "let key = compute_key(&input);",
    'const char* api_key_name = "X-API-Key";',
    'let header = "Authorization";',
    'const TOKEN_ENV: &str = "GITHUB_TOKEN";',
    'let url = "https://example.com/path?query=1";',
    'let fmt_key = format!("{}:{}", user, id);',
    'let re = Regex::new(r"^[0-9a-f]{40}$").unwrap();',
    'log::info!("token refreshed for {}", user);',
    'const BIG: &str = "340282366920938463463374607431768211455";',
    'm := map[string]string{"InputUnionMember1Message": "x"}',
    'let id = "BSD-3-Clause-Attribution";',
    'password = password.encode("latin1")',
    "auto secret_len = secret.size();",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_code_is_left_alone(text: str) -> None:
    assert redact(text).full == text


def _worst_inputs(n: int) -> dict[str, str]:
    return {
        "one identifier": "a" * n,
        "assignments": "password=" * (n // 9),
        "open quotes": 'p="' * (n // 3),
        "key blocks never closed": "-----BEGIN PRIVATE KEY-----\n" * (n // 28),
        "colons after a scheme": "http://" + "a:" * (n // 2),
        "colons": "a:" * (n // 2),
        "a JWT that never ends": "eyJ" + "a" * n,
        "secret names": "api_key_" * (n // 8) + ' = "',
        "base64 without a closing quote": '"' + "aB3" * (n // 3),
        "AWS prefixes": "AKIA" * (n // 4),
        "OpenAI prefixes": "sk-" * (n // 3),
        "dotted calls": "x." * (n // 2) + '("',
        "namespaces": "std::" * (n // 5) + "(",
        "Bearer": "Bearer " * (n // 7),
    }


@pytest.mark.parametrize("name", sorted(_worst_inputs(10)))
def test_each_pattern_stays_linear_on_its_worst_input(name: str) -> None:
    """A megabyte of each pattern's worst case: linear patterns take about a second here;
    a quadratic one would take hours, so the bound below cannot be met by accident."""
    text = _worst_inputs(1_000_000)[name]
    started = time.perf_counter()
    out = redact(text)
    assert time.perf_counter() - started < 60, name
    assert out.full.count("\n") == text.count("\n")
