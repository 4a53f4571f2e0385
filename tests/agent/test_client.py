"""The model client against the scripted fake server on 127.0.0.1 (no SDK patching)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from se_lsp.agent.client import (
    AgentError,
    Content,
    Endpoint,
    ModelClient,
    NotConfigured,
    Reasoning,
    check_local_only,
    endpoint_from,
)
from se_lsp.agent.reply import response_schema
from se_lsp.core.settings import AgentSettings
from tests.agent.replays import NO_REASONING, REFUSALS, SHAPES, THINK_IN_CONTENT
from tests.fakemodel import FakeModel, Script

REPLY = json.dumps({"summary": "s", "findings": []})


@pytest.fixture
def fake() -> Iterator[FakeModel]:
    with FakeModel() as f:
        yield f


def ep(fake: FakeModel, **kw: object) -> Endpoint:
    base: dict[str, object] = {
        "base_url": fake.base_url,
        "model": "fake",
        "api_key": "k",
        "key_source": "FAKE_KEY",
        "timeout": 10.0,
    }
    base.update(kw)
    return Endpoint(**base)  # type: ignore[arg-type]


async def run(client: ModelClient, endpoint: Endpoint) -> tuple[str, list[str]]:
    pieces: list[str] = []
    result = await client.complete(endpoint, "SYS", "USER", response_schema(), pieces.append)
    return result.text, pieces


async def test_streams_text_and_counts_usage(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY, chunk=5))
    client = ModelClient()
    text, pieces = await run(client, ep(fake))
    assert text == REPLY and len(pieces) > 3
    body = fake.requests[0].body
    assert body["messages"][0] == {"role": "system", "content": "SYS"}
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["response_format"]["type"] == "json_schema"
    assert client.stats.tokens_in > 0 and client.stats.requests == 1
    assert fake.requests[0].headers["authorization"] == "Bearer k"


async def test_falls_back_from_rejected_response_format_and_remembers(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY, reject_formats=("json_schema",)))
    fake.push(Script(content=REPLY, reject_formats=("json_schema",)))
    client = ModelClient()
    await run(client, ep(fake))
    assert [r.response_format for r in fake.rejected] == ["json_schema"]
    assert fake.requests[0].response_format == "json_object"
    await run(client, ep(fake))
    assert len(fake.rejected) == 1, "the endpoint's answer was remembered"
    assert fake.requests[1].response_format == "json_object"


async def test_no_response_format_at_all_when_both_rejected(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY, reject_formats=("json_schema", "json_object")))
    client = ModelClient()
    await run(client, ep(fake))
    assert fake.requests[0].response_format is None
    assert client.formats[fake.base_url] == "none"


async def test_truncated_stream_is_an_error(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY[:10], finish_reason=None, done=False))
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), ep(fake))
    assert "finish_reason" in str(err.value) and fake.base_url in str(err.value)


async def test_length_finish_is_an_error_with_a_hint(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY, finish_reason="length"))
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), ep(fake))
    assert "maxOutputTokens" in str(err.value)


async def test_cancel_mid_stream_closes_the_connection(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY * 20, chunk=4, hang_after=3))
    task = asyncio.create_task(run(ModelClient(), ep(fake)))
    assert await asyncio.to_thread(fake.wait_for, lambda: len(fake.requests) == 1)
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(fake.wait_for, lambda: fake.disconnects == 1)


async def test_overall_deadline_bounds_a_dripping_stream(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY, chunk=1, delay=0.2))
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), ep(fake, timeout=0.5))
    assert "did not answer within 0.5 s" in str(err.value)


async def test_http_errors_are_classified(fake: FakeModel) -> None:
    fake.push(Script(status=404, error={"error": {"message": "model fake not found"}}))
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), ep(fake))
    assert "has no model 'fake'" in str(err.value)
    fake.push(Script(status=401, error={"error": {"message": "bad key"}}))
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), ep(fake))
    assert "FAKE_KEY" in str(err.value)


async def test_connection_refused_names_the_endpoint() -> None:
    with FakeModel() as f:
        url = f.base_url
    endpoint = Endpoint(base_url=url, model="m", api_key="k", key_source="K", timeout=5)
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), endpoint)
    assert url in str(err.value)


async def test_local_only_refuses_remote_hosts_before_connecting() -> None:
    await check_local_only("http://127.0.0.1:1/v1")
    await check_local_only("http://[::1]:1/v1")
    # Not loopback, yet harmless should a bug let a connection through: tests never name
    # an address off this machine.
    for url in ("http://0.0.0.0/v1", "http://[::]:1/v1", "ftp://127.0.0.1/v1"):
        with pytest.raises(AgentError):
            await check_local_only(url)
    endpoint = Endpoint(
        base_url="http://0.0.0.0:9/v1", model="m", api_key="k", key_source="K", local_only=True
    )
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), endpoint)
    assert "local-only" in str(err.value)


def test_endpoint_comes_from_settings_and_environment_only() -> None:
    with pytest.raises(NotConfigured) as err:
        endpoint_from(AgentSettings(), {})
    assert "seLsp.agent.baseUrl" in str(err.value)
    s = AgentSettings.model_validate(
        {"baseUrl": "http://127.0.0.1:8080/v1/", "model": "m", "apiKeyEnv": "MY_KEY"}
    )
    e = endpoint_from(s, {"MY_KEY": "abc"})
    assert (e.base_url, e.api_key, e.key_source) == ("http://127.0.0.1:8080/v1", "abc", "MY_KEY")
    e = endpoint_from(
        AgentSettings(), {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "SE_LSP_MODEL": "q"}
    )
    assert e.model == "q" and e.api_key == "no-key"
    with pytest.raises(NotConfigured) as err:
        endpoint_from(AgentSettings(base_url="https://example.com/v1", model="m"), {})
    assert "OPENAI_API_KEY" in str(err.value)


async def test_redirects_are_never_followed(fake: FakeModel) -> None:
    with FakeModel() as elsewhere:
        target = elsewhere.base_url + "/chat/completions"
        fake.push(Script(redirect_to=target))
        with pytest.raises(AgentError) as err:
            await run(ModelClient(), ep(fake, local_only=True))
        assert "307" in str(err.value)
        assert elsewhere.requests == [] and elsewhere.rejected == []
        from tests.reliability_report import record

        record(
            "boundary",
            "local_only_redirect",
            {"redirects": 1, "requests_past_it": len(elsewhere.requests) + len(elsewhere.rejected)},
        )


async def test_user_temperature_wins_over_the_agent_file(fake: FakeModel) -> None:
    fake.push(Script(content=REPLY), Script(content=REPLY))
    client = ModelClient()
    pieces: list[str] = []
    await client.complete(ep(fake), "S", "U", response_schema(), pieces.append, temperature=0.1)
    await client.complete(
        ep(fake, temperature=0.7), "S", "U", response_schema(), pieces.append, temperature=0.1
    )
    assert [r.body["temperature"] for r in fake.requests] == [0.1, 0.7]


@pytest.mark.parametrize(
    "raw",
    [
        "data: {not json\n\n",
        "data: " + "[" * 50_000 + "\n\n",
        'data: {"choices": 7}\n\n',
    ],
    ids=["malformed", "deeply-nested", "wrong-shape"],
)
async def test_hostile_streams_become_one_clear_error(fake: FakeModel, raw: str) -> None:
    fake.push(Script(raw=raw))
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), ep(fake))
    assert fake.base_url in str(err.value)


def test_stats_report_what_the_prompt_cache_saved():
    from se_lsp.agent.client import Result, Stats

    stats = Stats()
    stats.record(Result("{}", "stop", 1000, 50, 0.5, "json_schema", tokens_cached=768))
    stats.record(Result("{}", "stop", 1000, 40, 0.4, "json_schema", tokens_cached=None))
    text = stats.describe()
    assert "tokens in 2000, 768 of them from the provider's prompt cache (38%)" in text
    assert "out 90" in text


# -- the shapes real servers stream (tests/agent/replays.py) --------------------------------


@pytest.mark.parametrize("shape", sorted(SHAPES))
async def test_each_server_shape_streams_answer_and_reasoning_apart(
    fake: FakeModel, shape: str
) -> None:
    answer = 'Sure.\n```json\n{"summary": "s", "findings": []}\n```'
    reasoning = 'The loop { push } grows the vector; {"findings": ["draft"]} is not it.'
    fake.push(Script(chunks=SHAPES[shape](answer, reasoning, size=7)))
    client = ModelClient()
    content: list[str] = []
    thought: list[str] = []
    result = None
    async for piece in client.stream(ep(fake), "S", "U", response_schema()):
        if isinstance(piece, Content):
            content.append(piece.text)
        elif isinstance(piece, Reasoning):
            thought.append(piece.text)
        else:
            result = piece
    assert result is not None and result.finish_reason == "stop"
    text = "".join(content)
    if shape in THINK_IN_CONTENT:
        assert text.startswith("<think>") and text.endswith(answer) and thought == []
    elif shape == "llama.cpp-reasoning-legacy":
        assert text.endswith(answer) and "".join(thought) == reasoning
    elif shape in NO_REASONING:
        assert text == answer and thought == []
    else:
        assert text == answer and "".join(thought) == reasoning
    assert result.text == text
    assert result.tokens_in == 1800 and (result.tokens_out or 0) > 0


async def test_an_azure_filter_stop_says_so(fake: FakeModel) -> None:
    chunks = SHAPES["azure-openai"]('{"summary": "", "findings": []}')
    chunks[-2]["choices"][0]["finish_reason"] = "content_filter"
    fake.push(Script(chunks=chunks))
    with pytest.raises(AgentError) as err:
        await run(ModelClient(), ep(fake))
    assert "content_filter" in str(err.value) and "content filter" in str(err.value)


@pytest.mark.parametrize("body", sorted(REFUSALS))
async def test_each_refusal_body_steps_down_to_the_next_format(fake: FakeModel, body: str) -> None:
    fake.push(
        Script(
            content=REPLY,
            reject_formats=("json_schema", "json_object"),
            reject_body=REFUSALS[body],
        )
    )
    client = ModelClient()
    text, _ = await run(client, ep(fake))
    assert text == REPLY
    assert [r.response_format for r in fake.rejected] == ["json_schema", "json_object"]
    assert fake.requests[0].response_format is None
    assert client.formats[fake.base_url] == "none"
