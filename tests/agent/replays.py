"""Streams as real OpenAI-compatible servers send them, rebuilt from their documented shapes.

Each builder turns an answer (and optionally reasoning text) into the list of
`chat.completion.chunk` objects that server sends, for `Script(chunks=...)` of the
loopback fake model. The shapes, as documented or reported by each project:

- OpenAI: a first chunk with `role` and empty content (and `refusal: null`), content
  chunks with `usage: null`, a finish chunk with an empty delta, and with
  `stream_options.include_usage` a last chunk whose `choices` is empty and whose
  `usage` has `prompt_tokens_details.cached_tokens`.
- Azure OpenAI: a first chunk with empty `choices`, empty id/model and
  `prompt_filter_results`; content chunks carry `content_filter_results` per choice;
  with asynchronous filtering an annotation chunk whose choice has no `delta` at all,
  only `content_filter_results` and `content_filter_offsets`.
- Ollama (/v1): `system_fingerprint: "fp_ollama"`; thinking models either write
  `<think>` text into content (older versions) or stream it as `delta.reasoning` with
  `content: ""`; usage in a last chunk with empty choices.
- llama.cpp `llama-server`: no `usage: null` fields, a build-number fingerprint, and the
  finish chunk itself carries `usage` and a `timings` object (prompt_n, predicted_n,
  per-token ms...). With `--reasoning-format deepseek` thinking comes as
  `delta.reasoning_content`; with `none` it stays in content as `<think>...</think>`;
  `deepseek-legacy` does both.
- vLLM: `logprobs: null` and `stop_reason` on choices; reasoning models stream
  `delta.reasoning` (0.9 and later; `reasoning_content` before); usage chunk with empty
  choices.
- DeepSeek (deepseek-reasoner): `reasoning_content` deltas while `content` is null,
  then content deltas with `reasoning_content: null`; the finish chunk carries usage with
  `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens` and `reasoning_tokens`.
- LM Studio: the model key as `system_fingerprint`; `reasoning_content` deltas when its
  "separate reasoning" option is on.
- LiteLLM proxy: choices without a `finish_reason` key until the end, extra
  `provider_specific_fields` / `citations` keys, and the usage chunk with a non-empty
  `choices` list (an empty delta) instead of `[]`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Chunks = list[dict[str, Any]]


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] if text else []


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _usage(answer: str, reasoning: str = "", cached: int = 0) -> dict[str, Any]:
    out = _tokens(answer) + (_tokens(reasoning) if reasoning else 0)
    return {
        "prompt_tokens": 1800,
        "completion_tokens": out,
        "total_tokens": 1800 + out,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": _tokens(reasoning) if reasoning else 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def openai(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    head = {
        "id": "chatcmpl-R3pl4y",
        "object": "chat.completion.chunk",
        "created": 1733000000,
        "model": "gpt-4.1-mini-2025-04-14",
        "service_tier": "default",
        "system_fingerprint": "fp_replay01",
    }

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

    out: Chunks = [
        {**head, "choices": [choice({"role": "assistant", "content": "", "refusal": None})]}
    ]
    out[0]["usage"] = None
    out += [
        {**head, "choices": [choice({"content": p})], "usage": None} for p in pieces(answer, size)
    ]
    out.append({**head, "choices": [choice({}, "stop")], "usage": None})
    out.append({**head, "choices": [], "usage": _usage(answer, cached=1024)})
    return out


SAFE = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": False, "severity": "safe"},
}


def azure(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    head = {
        "id": "chatcmpl-Az",
        "object": "chat.completion.chunk",
        "created": 1733000001,
        "model": "gpt-4o-2024-11-20",
        "system_fingerprint": "fp_azure",
    }
    out: Chunks = [
        {
            "choices": [],
            "created": 0,
            "id": "",
            "model": "",
            "object": "",
            "prompt_filter_results": [
                {
                    "prompt_index": 0,
                    "content_filter_results": {
                        **SAFE,
                        "jailbreak": {"filtered": False, "detected": False},
                    },
                }
            ],
        }
    ]

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "index": 0,
            "delta": delta,
            "finish_reason": finish,
            "logprobs": None,
            "content_filter_results": SAFE,
        }

    out.append({**head, "choices": [choice({"role": "assistant", "content": ""})]})
    parts = pieces(answer, size)
    half = len(parts) // 2
    out += [{**head, "choices": [choice({"content": p})]} for p in parts[:half]]
    # Asynchronous filtering: an annotation for the text so far, with no delta.
    out.append(
        {
            "id": "",
            "object": "",
            "created": 0,
            "model": "",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": None,
                    "content_filter_results": SAFE,
                    "content_filter_offsets": {
                        "check_offset": 0,
                        "start_offset": 0,
                        "end_offset": sum(len(p) for p in parts[:half]),
                    },
                }
            ],
        }
    )
    out += [{**head, "choices": [choice({"content": p})]} for p in parts[half:]]
    out.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    out.append({**head, "choices": [], "usage": _usage(answer)})
    return out


def ollama(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    """Recent Ollama: thinking as `delta.reasoning` (content "" meanwhile)."""
    head = {
        "id": "chatcmpl-417",
        "object": "chat.completion.chunk",
        "created": 1733000002,
        "model": "qwen3:8b",
        "system_fingerprint": "fp_ollama",
    }

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": {"role": "assistant", **delta}, "finish_reason": finish}

    out: Chunks = [
        {**head, "choices": [choice({"content": "", "reasoning": p})]}
        for p in pieces(reasoning, size)
    ]
    out += [{**head, "choices": [choice({"content": p})]} for p in pieces(answer, size)]
    out.append({**head, "choices": [choice({"content": ""}, "stop")]})
    out.append({**head, "choices": [], "usage": _usage(answer, reasoning)})
    return out


def ollama_think_tags(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    """Older Ollama / no think option: the reasoning is `<think>` text inside content."""
    text = f"<think>\n{reasoning}\n</think>\n\n{answer}" if reasoning else answer
    return ollama(text, "", size)


def _llama_cpp(content: str, reasoning: str, size: int, *, legacy: bool = False) -> Chunks:
    head = {
        "created": 1733000003,
        "id": "chatcmpl-Llama",
        "model": "Qwen3-8B-Q4_K_M.gguf",
        "system_fingerprint": "b6210-a094f381",
        "object": "chat.completion.chunk",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"finish_reason": finish, "index": 0, "delta": delta}]}

    out: Chunks = [chunk({"role": "assistant", "content": None})]
    if legacy and reasoning:
        # deepseek-legacy: the tags stay in content and reasoning_content is filled too.
        out += [chunk({"reasoning_content": p}) for p in pieces(reasoning, size)]
        content = f"<think>\n{reasoning}\n</think>\n{content}"
    else:
        out += [chunk({"reasoning_content": p}) for p in pieces(reasoning, size)]
    out += [chunk({"content": p}) for p in pieces(content, size)]
    last = chunk({}, "stop")
    last["usage"] = {
        "completion_tokens": _tokens(content),
        "prompt_tokens": 1800,
        "total_tokens": 1800 + _tokens(content),
        "prompt_tokens_details": {"cached_tokens": 1536},
    }
    last["timings"] = {
        "cache_n": 1536,
        "prompt_n": 264,
        "prompt_ms": 180.5,
        "prompt_per_token_ms": 0.68,
        "prompt_per_second": 1462.6,
        "predicted_n": _tokens(content),
        "predicted_ms": 4100.2,
        "predicted_per_token_ms": 22.1,
        "predicted_per_second": 45.2,
    }
    out.append(last)
    return out


def llama_cpp_none(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    """`--reasoning-format none`: `<think>` text in content."""
    text = f"<think>\n{reasoning}\n</think>\n\n{answer}" if reasoning else answer
    return _llama_cpp(text, "", size)


def llama_cpp_deepseek(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    """`--reasoning-format deepseek` (the default with --jinja): `reasoning_content`."""
    return _llama_cpp(answer, reasoning, size)


def llama_cpp_legacy(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    """`--reasoning-format deepseek-legacy`: both at once."""
    return _llama_cpp(answer, reasoning, size, legacy=True)


def vllm(answer: str, reasoning: str = "", size: int = 12, field: str = "reasoning") -> Chunks:
    head = {
        "id": "chatcmpl-vllm",
        "object": "chat.completion.chunk",
        "created": 1733000004,
        "model": "Qwen/Qwen3-8B",
    }

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "index": 0,
            "delta": delta,
            "logprobs": None,
            "finish_reason": finish,
            "stop_reason": None,
        }

    out: Chunks = [{**head, "choices": [choice({"role": "assistant", "content": ""})]}]
    out += [{**head, "choices": [choice({field: p})]} for p in pieces(reasoning, size)]
    out += [{**head, "choices": [choice({"content": p})]} for p in pieces(answer, size)]
    out.append({**head, "choices": [choice({"content": ""}, "stop")]})
    out.append({**head, "choices": [], "usage": _usage(answer, reasoning)})
    return out


def vllm_old(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    """vLLM before 0.9: `reasoning_content`."""
    return vllm(answer, reasoning, size, field="reasoning_content")


def deepseek(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    head = {
        "id": "f3b2c1d0-replay",
        "object": "chat.completion.chunk",
        "created": 1733000005,
        "model": "deepseek-reasoner",
        "system_fingerprint": "fp_7e73fd9a08_prod0425fp8",
    }

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

    out: Chunks = [
        {
            **head,
            "choices": [choice({"role": "assistant", "content": None, "reasoning_content": ""})],
        }
    ]
    out += [
        {**head, "choices": [choice({"content": None, "reasoning_content": p})]}
        for p in pieces(reasoning, size)
    ]
    out += [
        {**head, "choices": [choice({"content": p, "reasoning_content": None})]}
        for p in pieces(answer, size)
    ]
    last = {**head, "choices": [choice({"content": "", "reasoning_content": None}, "stop")]}
    last["usage"] = {
        "prompt_tokens": 1800,
        "completion_tokens": _tokens(answer) + _tokens(reasoning),
        "total_tokens": 1800 + _tokens(answer) + _tokens(reasoning),
        "prompt_tokens_details": {"cached_tokens": 1280},
        "completion_tokens_details": {"reasoning_tokens": _tokens(reasoning)},
        "prompt_cache_hit_tokens": 1280,
        "prompt_cache_miss_tokens": 520,
    }
    out.append(last)
    return out


def lmstudio(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    head = {
        "id": "chatcmpl-lms",
        "object": "chat.completion.chunk",
        "created": 1733000006,
        "model": "qwen2.5-coder-7b-instruct",
        "system_fingerprint": "qwen2.5-coder-7b-instruct",
    }

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

    out: Chunks = [
        {**head, "choices": [choice({"role": "assistant", "reasoning_content": p})]}
        for p in pieces(reasoning, size)
    ]
    out += [
        {**head, "choices": [choice({"role": "assistant", "content": p})]}
        for p in pieces(answer, size)
    ]
    out.append({**head, "choices": [choice({}, "stop")]})
    out.append({**head, "choices": [], "usage": _usage(answer, reasoning)})
    return out


def litellm(answer: str, reasoning: str = "", size: int = 12) -> Chunks:
    head = {
        "id": "chatcmpl-litellm",
        "created": 1733000007,
        "model": "gpt-4o",
        "object": "chat.completion.chunk",
        "system_fingerprint": None,
        "provider_specific_fields": None,
        "citations": None,
    }

    def delta(**kw: Any) -> dict[str, Any]:
        return {
            "provider_specific_fields": None,
            "function_call": None,
            "tool_calls": None,
            "audio": None,
            "refusal": None,
            **kw,
        }

    out: Chunks = [
        {**head, "choices": [{"index": 0, "delta": delta(content=None, reasoning_content=p)}]}
        for p in pieces(reasoning, size)
    ]
    out += [
        {**head, "choices": [{"index": 0, "delta": delta(content=p, role="assistant")}]}
        for p in pieces(answer, size)
    ]
    out.append({**head, "choices": [{"finish_reason": "stop", "index": 0, "delta": delta()}]})
    out.append({**head, "choices": [{"index": 0, "delta": {}}], "usage": _usage(answer, reasoning)})
    return out


SHAPES: dict[str, Callable[..., Chunks]] = {
    "openai": openai,
    "azure-openai": azure,
    "ollama-reasoning-field": ollama,
    "ollama-think-tags": ollama_think_tags,
    "llama.cpp-reasoning-none": llama_cpp_none,
    "llama.cpp-reasoning-deepseek": llama_cpp_deepseek,
    "llama.cpp-reasoning-legacy": llama_cpp_legacy,
    "vllm-reasoning": vllm,
    "vllm-reasoning_content": vllm_old,
    "deepseek-reasoner": deepseek,
    "lm-studio": lmstudio,
    "litellm-proxy": litellm,
}

# Servers that never stream reasoning text in chat completions (the builders ignore it).
NO_REASONING = {"openai", "azure-openai"}
# Servers that leave `<think>` text in the content (no reasoning field).
THINK_IN_CONTENT = {"ollama-think-tags", "llama.cpp-reasoning-none"}

# How each server refuses a response_format it does not support (HTTP 400 bodies).
REFUSALS: dict[str, Any] = {
    # OpenAI's error object, naming the parameter.
    "openai-param": {
        "error": {
            "message": "Invalid parameter: 'response_format' of type 'json_schema' is not "
            "supported with this model.",
            "type": "invalid_request_error",
            "param": "response_format",
            "code": None,
        }
    },
    # llama.cpp style: code and message, no param.
    "llama.cpp": {
        "error": {
            "code": 400,
            "message": "Unsupported response_format type: json_object",
            "type": "invalid_request_error",
        }
    },
    # LM Studio style: the error is a bare string.
    "lm-studio": {"error": "'response_format.type' must be 'json_schema' or 'text'"},
}
