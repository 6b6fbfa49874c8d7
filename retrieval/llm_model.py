"""The chat model behind the LLM answerer, built from the environment with LangChain's
chat-model factory (`langchain.chat_models.init_chat_model`).

- `ALLIANCES_LLM`: "provider:model" ("openai:gpt-4o-mini", "azure_openai:<deployment>",
  "ollama:llama3.1"), or a model name served by `ALLIANCES_LLM_BASE_URL`; unset: extractive
  answers;
- `ALLIANCES_LLM_BASE_URL`: an OpenAI-compatible server (vLLM, llama.cpp, Ollama's /v1,
  LiteLLM…); the provider becomes "openai" unless the spec names another;
- `ALLIANCES_LLM_API_KEY`: the key for that server or provider (else the provider's own
  variable, e.g. `OPENAI_API_KEY`; a local server gets a placeholder);
- `ALLIANCES_LLM_TIMEOUT`: seconds for one answer, retry included (default 30), then the
  extractive answer;
- `ALLIANCES_LLM_MAX_TOKENS` (default 700), `ALLIANCES_LLM_TEMPERATURE` (default 0).

Azure OpenAI reads its endpoint and version from `AZURE_OPENAI_ENDPOINT` and
`OPENAI_API_VERSION`, its key from `AZURE_OPENAI_API_KEY`; Ollama its host from `OLLAMA_HOST`
(or `ALLIANCES_LLM_BASE_URL`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_TOKENS = 700
_LOCAL_KEY = "not-needed"  # OpenAI clients insist on a key; local servers ignore it
_PROVIDER_PACKAGES = {
    "openai": "langchain-openai",
    "azure_openai": "langchain-openai",
    "ollama": "langchain-ollama",
}


class LLMConfigError(ValueError):
    """An LLM setting that cannot work; str() says what to fix, in French."""


@dataclass(frozen=True)
class LLMSettings:
    """What the environment says about the LLM. `spec` None: no LLM (extractive answers)."""

    spec: str | None
    base_url: str | None = None
    api_key: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 0.0

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> LLMSettings:
        env = os.environ if environ is None else environ
        spec = (env.get("ALLIANCES_LLM") or "").strip() or None
        return cls(
            spec=spec,
            base_url=(env.get("ALLIANCES_LLM_BASE_URL") or "").strip() or None,
            api_key=(env.get("ALLIANCES_LLM_API_KEY") or "").strip() or None,
            timeout_s=_positive(env, "ALLIANCES_LLM_TIMEOUT", DEFAULT_TIMEOUT_S),
            max_tokens=int(_positive(env, "ALLIANCES_LLM_MAX_TOKENS", DEFAULT_MAX_TOKENS)),
            temperature=_number(env, "ALLIANCES_LLM_TEMPERATURE", 0.0),
        )

    @property
    def provider_and_model(self) -> tuple[str, str]:
        """("openai", "gpt-4o-mini") from the spec; a bare model name with a base URL is an
        OpenAI-compatible server's model."""
        assert self.spec is not None
        provider, sep, model = self.spec.partition(":")
        if sep and provider.strip().lower() in {*_PROVIDER_PACKAGES, "azure", "vllm", "llamacpp"}:
            provider = provider.strip().lower()
            provider = {"azure": "azure_openai", "vllm": "openai", "llamacpp": "openai"}.get(
                provider, provider
            )
            return provider, model.strip()
        if sep and not self.base_url:
            return provider.strip().lower(), model.strip()  # another LangChain provider
        if self.base_url:
            return "openai", self.spec
        raise LLMConfigError(
            f"ALLIANCES_LLM = « {self.spec} » : précisez le fournisseur, par exemple "
            "« openai:gpt-4o-mini », « azure_openai:mon-deploiement », « ollama:llama3.1 », "
            "ou donnez l'adresse d'un serveur compatible OpenAI dans ALLIANCES_LLM_BASE_URL."
        )

    @property
    def label(self) -> str:
        provider, model = self.provider_and_model
        return f"{provider}:{model}"


def _number(env: Any, name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise LLMConfigError(f"{name} doit être un nombre (reçu : « {raw} »).") from None


def _positive(env: Any, name: str, default: float) -> float:
    value = _number(env, name, default)
    if value <= 0:
        raise LLMConfigError(f"{name} doit être un nombre positif (reçu : {value}).")
    return value


def build_chat_model(settings: LLMSettings) -> BaseChatModel:
    """The LangChain chat model the settings describe (no network call is made here)."""
    from langchain.chat_models import init_chat_model

    provider, model = settings.provider_and_model
    kwargs: dict[str, Any] = {"temperature": settings.temperature}
    if provider in ("openai", "azure_openai"):
        kwargs.update(
            max_tokens=settings.max_tokens,
            timeout=settings.timeout_s,
            max_retries=1,
            stream_usage=True,  # token counts arrive with the last streamed chunk
        )
        key = settings.api_key or (_LOCAL_KEY if settings.base_url else None)
        if key:
            kwargs["api_key"] = key
        if settings.base_url and provider == "openai":
            kwargs["base_url"] = settings.base_url
            # ChatOpenAI sends the limit as "max_completion_tokens", which llama.cpp's and
            # older vLLM servers ignore: send the classic name too.
            kwargs["extra_body"] = {"max_tokens": settings.max_tokens}
        if settings.base_url and provider == "azure_openai":
            kwargs["azure_endpoint"] = settings.base_url
    elif provider == "ollama":
        kwargs["num_predict"] = settings.max_tokens
        if settings.base_url:
            kwargs["base_url"] = settings.base_url
    else:
        kwargs["max_tokens"] = settings.max_tokens
        if settings.api_key:
            kwargs["api_key"] = settings.api_key
        if settings.base_url:
            kwargs["base_url"] = settings.base_url
    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as error:
        package = _PROVIDER_PACKAGES.get(provider, f"langchain-{provider.replace('_', '-')}")
        raise LLMConfigError(
            f"ALLIANCES_LLM = « {settings.spec} » demande le paquet Python {package} : "
            f"installez-le (pip install {package})."
        ) from error
    except Exception as error:  # missing key, endpoint, version…: the provider says which
        raise LLMConfigError(
            f"Le modèle ALLIANCES_LLM = « {settings.spec} » n'a pas pu être configuré : {error}"
        ) from error


def chat_model_from_environment() -> tuple[BaseChatModel, LLMSettings] | None:
    """The configured chat model and its settings, or None when ALLIANCES_LLM is unset."""
    settings = LLMSettings.from_environment()
    if settings.spec is None:
        return None
    return build_chat_model(settings), settings
