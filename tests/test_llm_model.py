"""ALLIANCES_LLM and its settings: the chat model LangChain's factory builds (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.llm_model import LLMConfigError, LLMSettings, build_chat_model


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"ALLIANCES_LLM": "openai:gpt-4o-mini"}, ("openai", "gpt-4o-mini")),
        ({"ALLIANCES_LLM": "azure_openai:prod-gpt4o"}, ("azure_openai", "prod-gpt4o")),
        ({"ALLIANCES_LLM": "azure:prod-gpt4o"}, ("azure_openai", "prod-gpt4o")),
        ({"ALLIANCES_LLM": "ollama:llama3.1:8b"}, ("ollama", "llama3.1:8b")),
        (
            {"ALLIANCES_LLM": "qwen2.5:7b", "ALLIANCES_LLM_BASE_URL": "http://127.0.0.1:1/v1"},
            ("openai", "qwen2.5:7b"),
        ),
        (
            {"ALLIANCES_LLM": "vllm:mistral", "ALLIANCES_LLM_BASE_URL": "http://127.0.0.1:1/v1"},
            ("openai", "mistral"),
        ),
    ],
)
def test_the_spec_names_a_provider_and_a_model(
    environ: dict[str, str], expected: tuple[str, str]
) -> None:
    assert LLMSettings.from_environment(environ).provider_and_model == expected


def test_settings_defaults_and_errors() -> None:
    settings = LLMSettings.from_environment({})
    assert settings.spec is None and settings.timeout_s == 30 and settings.max_tokens == 700
    with pytest.raises(LLMConfigError, match="précisez le fournisseur"):
        _ = LLMSettings.from_environment({"ALLIANCES_LLM": "gpt-4o"}).provider_and_model
    with pytest.raises(LLMConfigError, match="ALLIANCES_LLM_TIMEOUT"):
        LLMSettings.from_environment({"ALLIANCES_LLM_TIMEOUT": "bientôt"})
    with pytest.raises(LLMConfigError, match="positif"):
        LLMSettings.from_environment({"ALLIANCES_LLM_TIMEOUT": "0"})


def test_an_openai_compatible_server_is_built_through_langchain() -> None:
    pytest.importorskip("langchain_openai")
    settings = LLMSettings.from_environment(
        {
            "ALLIANCES_LLM": "gemma-3-270m",
            "ALLIANCES_LLM_BASE_URL": "http://127.0.0.1:9/v1",
            "ALLIANCES_LLM_TIMEOUT": "12",
            "ALLIANCES_LLM_MAX_TOKENS": "300",
        }
    )
    model = build_chat_model(settings)
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "gemma-3-270m"
    assert str(model.openai_api_base) == "http://127.0.0.1:9/v1"
    assert model.max_tokens == 300 and model.request_timeout == 12 and model.temperature == 0
    assert settings.label == "openai:gemma-3-270m"


def test_a_provider_without_its_package_says_which_to_install() -> None:
    settings = LLMSettings.from_environment({"ALLIANCES_LLM": "no_such_provider_xyz:model"})
    with pytest.raises(LLMConfigError, match="ALLIANCES_LLM"):
        build_chat_model(settings)


def test_the_assistant_reads_alliances_llm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("langchain_openai")
    from bot.assistant import Assistant

    monkeypatch.setenv("ALLIANCES_LLM", "gemma-3-270m")
    monkeypatch.setenv("ALLIANCES_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ALLIANCES_LLM_RATE_LIMIT", "5/60")
    assistant = Assistant.from_environment(tmp_path)
    assert assistant.uses_llm and assistant.answerer.model_label == "openai:gemma-3-270m"
    assert assistant.rate_limiter is not None and assistant.rate_limiter.max_calls == 5
    monkeypatch.setenv("ALLIANCES_LLM_RATE_LIMIT", "0")
    assert Assistant.from_environment(tmp_path).rate_limiter is None
