"""Redaction and exclusion: what must never leave the process."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from se_lsp.core.policy import Excluder, contains_placeholder, redact

# Fake credentials in each provider's public shape (none of them is real).
SECRETS = {
    "aws-access-key": 'let id = "AKIAQWERTYUIOPASDFGH";',
    "github-token": 'token := "ghp_0123456789abcdefghijABCDEFGHIJ012345"',
    "gitlab-token": 'auto t = "glpat-AbCdEfGhIjKlMnOpQrSt12";',
    "slack-token": 'const S: &str = "xoxb-123456789012-abcdefABCDEF";',
    "stripe-key": 'key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"',
    "google-api-key": 'k := "AIzaSyD-1234567890abcdefghijklmnopqrstu"',
    "openai-key": 'let k = "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34";',
    "anthropic-key": 'k = "sk-ant-api03-Ab12Cd34Ef56Gh78Ij90Kl12"',
    "jwt": 'h := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N"',
    "url-password": 'db := "postgres://svc:Tr0ub4dor&3x@db.internal/app"',
    "assigned-secret": 'std::string password = "q8#Lm2$Vz9!pR4t";',
    "private-key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----",
}

SECRET_VALUES = {
    "aws-access-key": "QWERTYUIOPASDFGH",
    "github-token": "abcdefghijABCDEFGHIJ",
    "gitlab-token": "AbCdEfGhIjKl",
    "slack-token": "abcdefABCDEF",
    "stripe-key": "4eC39HqLyjWD",
    "google-api-key": "abcdefghijklmnop",
    "openai-key": "Ab12Cd34Ef56",
    "anthropic-key": "Ab12Cd34Ef56",
    "jwt": "dozjgNryP4J3",
    "url-password": "Tr0ub4dor",
    "assigned-secret": "q8#Lm2$Vz9",
    "private-key": "b3BlbnNzaC1rZXktdjEAAAAA",
}

NOT_SECRETS = [
    'let msg = "hello world, nothing to see";',
    'password := os.Getenv("DB_PASSWORD")',
    'std::string token = "<your token here>";',
    "let key = compute_key(&input);",
    'const char* api_key_name = "X-API-Key";',
    'let s = "sk-";',
]


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_each_kind_is_redacted(kind):
    text = SECRETS[kind]
    r = redact(text)
    assert kind in r.kinds
    assert r.text.count("\n") == text.count("\n"), "line count must not change"
    assert contains_placeholder(r.text)
    # The secret's distinctive middle is gone, whatever surrounds it.
    secret = SECRET_VALUES[kind]
    assert secret not in r.text


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_ordinary_code_is_untouched(text):
    assert redact(text).text == text


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_redaction_keeps_line_structure(text):
    out = redact(text).text
    assert out.count("\n") == text.count("\n")


def test_excluder_defaults_and_ignore_file(tmp_path: Path):
    (tmp_path / ".se-lspignore").write_text("generated/\n*.pb.go\n")
    ex = Excluder(tmp_path, ["vendor/**"], secrets=True)
    assert ex.excluded(tmp_path / ".env") == ".env"
    assert ex.excluded(tmp_path / "config" / ".env.production")
    assert ex.excluded(tmp_path / "certs" / "server.pem")
    assert ex.excluded(tmp_path / "generated" / "x.rs")
    assert ex.excluded(tmp_path / "api" / "x.pb.go")
    assert ex.excluded(tmp_path / "vendor" / "a" / "b.go")
    assert ex.excluded(tmp_path / "src" / "main.rs") is None
    plain = Excluder(tmp_path, [])
    assert plain.excluded(tmp_path / ".env") is None


def test_policy_is_built_once_per_settings(tmp_path: Path):
    from se_lsp.core.policy import Policy
    from se_lsp.core.settings import EditorSettings, Settings

    (tmp_path / ".se-lspignore").write_text("generated/\n")
    settings = Settings(editor=EditorSettings.model_validate({"exclude": ["vendor/**"]}))
    policy = Policy.build(settings, tmp_path)
    # The ignore file is read when the policy is built, not on every question.
    (tmp_path / ".se-lspignore").write_text("other/\n")
    assert policy.excluded(tmp_path / "generated" / "a.rs") == "generated/"
    assert policy.excluded(tmp_path / "vendor" / "x" / "b.go") == "vendor/**"
    assert policy.excluded(tmp_path / "other" / "a.rs") is None
    # Secret files are never sent, though the analyzer has no reason to skip them.
    assert policy.excluded(tmp_path / ".env") is None
    assert policy.never_sent(tmp_path / ".env") == ".env"
    assert policy.never_sent(tmp_path / "generated" / "a.rs") == "generated/"
    assert policy.never_sent(tmp_path / "src" / "a.rs") is None
    assert not policy.local_only
    rebuilt = Policy.build(settings, tmp_path)
    assert rebuilt.excluded(tmp_path / "other" / "a.rs") == "other/"


async def test_local_only_policy_refuses_what_is_not_this_machine():
    from se_lsp.core.policy import Policy, PolicyError

    strict = Policy(local_only=True)
    await strict.check_endpoint("http://127.0.0.1:1/v1")
    with pytest.raises(PolicyError, match="local-only"):
        await strict.check_endpoint("ftp://127.0.0.1/v1")
    await Policy(local_only=False).check_endpoint("ftp://127.0.0.1/v1")
