"""Every way an agent run can fail, as types, and the one place they become words for the user.

The editor shows `str(err)` as it is (one line, no traceback) and the CLI prints it; both
come from here, so the same failure reads the same everywhere. Exceptions from the model
boundary (the SDK's own, malformed bodies, recursion, timeouts) are turned into an
`EndpointFailed` by `from_exception`, which names the endpoint and never the key or the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from se_lsp.core.policy import redact

if TYPE_CHECKING:
    from se_lsp.agent.client import Endpoint


class AgentError(Exception):
    """A failure to show the user as it is: one clear line, no traceback, no secrets."""

    #: How loud the editor should be: "error" (the run failed) or "warning" (nothing was sent).
    level = "error"

    def __init__(self, message: str) -> None:
        text = redact(" ".join(str(message).split())).text
        super().__init__(text)
        self.message = text


class NotConfigured(AgentError):
    """No endpoint or model, or no key for a remote endpoint."""

    level = "warning"


class UnknownAgent(AgentError):
    """The command named an agent that is not defined."""


class Excluded(AgentError):
    """The file is excluded: it is never read into a prompt."""

    level = "warning"


class PromptRefused(AgentError):
    """The selection cannot be sent: empty, too large, or binary."""

    level = "warning"


class HostNotAllowed(AgentError):
    """The endpoint's host was not allowed by the user: nothing was sent."""

    level = "warning"


class EndpointFailed(AgentError):
    """The request failed: HTTP status, connection, timeout or a malformed answer."""


class ModelDeclined(AgentError):
    """The model refused to answer (an OpenAI-style refusal)."""


class ReplyIncomplete(AgentError):
    """The stream ended before the reply was complete; complete findings were kept."""


class ReplyUnusable(AgentError):
    """The reply holds no object with a findings list: nothing could be placed."""


def short(text: Any, limit: int = 200) -> str:
    """One line of at most `limit` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def from_exception(err: BaseException, ep: Endpoint) -> AgentError:
    """The typed error for anything raised while talking to the endpoint `ep`."""
    url = ep.base_url
    if isinstance(err, AgentError):
        if url in err.message:
            return err
        return type(err)(f"{url}: {err.message}")
    import openai

    msg: str
    if isinstance(err, TimeoutError | openai.APITimeoutError):
        msg = (
            f"The model at {url} did not answer within {ep.timeout:g} s "
            "(seLsp.agent.timeoutSeconds)."
        )
    elif isinstance(err, openai.APIConnectionError):
        cause = err.__cause__ or err.__context__
        msg = (
            f"Cannot reach the model endpoint {url}: {type(cause or err).__name__}. "
            "Is the server running? Check seLsp.agent.baseUrl."
        )
    elif isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
        msg = f"{url} refused the API key (from the environment variable {ep.key_source})."
    elif isinstance(err, openai.NotFoundError):
        msg = f"{url} has no model '{ep.model}' (or the base URL is wrong): HTTP 404."
    elif isinstance(err, openai.RateLimitError):
        msg = f"{url} is rate limiting requests (HTTP 429); try again later."
    elif isinstance(err, openai.APIStatusError):
        msg = f"{url} answered HTTP {err.status_code}: {short(err.message)}{_advice(err)}"
    elif isinstance(err, openai.APIError):
        msg = f"{url} reported an error: {short(err.message)}. Try again later."
    else:
        msg = (
            f"{url} sent a malformed response ({type(err).__name__}). Check that "
            "seLsp.agent.baseUrl is an OpenAI-compatible /v1 endpoint."
        )
    return EndpointFailed(msg)


def _advice(err: Any) -> str:
    """What the user can do about an HTTP status the SDK has no class of its own for."""
    code = int(getattr(err, "status_code", 0) or 0)
    if 300 <= code < 400:
        return ". Redirects are not followed: set seLsp.agent.baseUrl to the final URL."
    if code >= 500:
        return ". The server failed; try again later or look at its log."
    return ". Check seLsp.agent.model and seLsp.agent.baseUrl."
