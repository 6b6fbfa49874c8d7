"""Authentication of the Teams door, on the Microsoft 365 Agents SDK's own pieces.

Incoming: a presented token is first looked at without trusting it (`token_refusal`): the
SDK takes the key id from its header without checking it is there (a token without `kid`,
`alg: none` or HS256, made it answer 500), so a token that is not RS256 with a key id is
refused with 401 here. Then `/api/messages` is wrapped in the SDK's
`jwt_authorization_decorator`, which reads the `AgentAuthConfiguration` built here from
`request.app["agent_configuration"]` and validates the Bot Framework token (signature from the
issuer's JWKS, audience = our app id, issuer allow-list, tenant binding). With no credentials
and the anonymous flag, the same decorator lets token-less requests through
(`ANONYMOUS_ALLOWED`); otherwise they get 401.

Outgoing: replies and proactive messages go through the SDK's connector client, whose token
comes from the SDK's `ConnectionManager` and, here, `ClientSecretTokenProvider`: the OAuth 2.0
client-credentials grant on `<authority>/oauth2/v2.0/token` (the MSAL-based provider of
`microsoft-agents-authentication-msal` does the same; this one needs no extra package and its
authority can point at a local stand-in). Without credentials the SDK's anonymous provider
sends no token (the Agents Playground accepts that).

Signing keys: the SDK derives the JWKS address from the token's issuer (the Bot Framework's, or
Microsoft Entra's). `trust_openid_metadata` replaces that key source by the `jwks_uri` of
another OpenID configuration, for the tests' token issuer on 127.0.0.1 (and sovereign
stand-ins); it is used only when `ALLIANCES_TEAMS_OPENID_METADATA_URL` is set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from azure.core.credentials import AccessToken
from jwt import PyJWKClient
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
)
from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase
from microsoft_agents.hosting.core.authorization import _entra_issuers as entra
from microsoft_agents.hosting.core.authorization.authentication_constants import (
    AuthenticationConstants,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientCacheEntry,
)

from bot.settings import SettingsError, TeamsSettings

log = logging.getLogger(__name__)

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
SERVICE_CONNECTION = "SERVICE_CONNECTION"
_REFRESH_MARGIN_S = 300.0


def authority_of(settings: TeamsSettings) -> str:
    """The Entra authority replies are authenticated with: `…AUTHORITY`, else the tenant's."""
    if settings.authority:
        return settings.authority.rstrip("/")
    return f"{DEFAULT_AUTHORITY_HOST}/{settings.tenant_id or 'common'}"


def build_auth_configuration(settings: TeamsSettings) -> AgentAuthConfiguration:
    """The SDK configuration of the bot's connection (also what JWT validation reads)."""
    if not settings.authenticated:
        return AgentAuthConfiguration(anonymous_allowed=settings.allow_anonymous)
    _require_crypto()
    return AgentAuthConfiguration(
        client_id=settings.app_id,
        tenant_id=settings.tenant_id,
        client_secret=settings.app_password,
        authority=authority_of(settings),
        connection_name=SERVICE_CONNECTION,
        anonymous_allowed=False,
        validate_issuer=True,  # the Bot Framework's and our tenant's issuers only
    )


def build_connection_manager(configuration: AgentAuthConfiguration) -> ConnectionManager:
    """The SDK's connection manager with one connection, SERVICE_CONNECTION."""
    if configuration.CLIENT_ID:
        factory: Any = ClientSecretTokenProvider
    else:
        factory = _anonymous_provider
    return ConnectionManager(
        factory, connections_configurations={SERVICE_CONNECTION: configuration}
    )


def _anonymous_provider(_configuration: AgentAuthConfiguration) -> AccessTokenProviderBase:
    return AnonymousTokenProvider()


def _require_crypto() -> None:
    """RS256 (every Bot Framework token) needs PyJWT's `cryptography` backend; without it the
    SDK would answer 401 to every request without saying why."""
    from jwt.algorithms import has_crypto

    if not has_crypto:
        raise SettingsError(
            "L'authentification Teams demande le paquet Python « cryptography » (signatures "
            "RS256 des jetons Bot Framework) : installez-le (pip install cryptography)."
        )


# --- incoming tokens, before the SDK -------------------------------------------------------

BOT_FRAMEWORK_ALGORITHM = "RS256"  # the only one the SDK accepts


def token_refusal(authorization: str | None) -> str | None:
    """Why the bearer token of an `Authorization` header cannot be one the Bot Framework
    signed (a short English phrase for the log), or None to let the SDK validate it (also
    when there is no token, or no bearer: the SDK answers those itself). Nothing is trusted
    here: the header is only read."""
    parts = (authorization or "").split(maxsplit=1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    try:
        header = jwt.get_unverified_header(parts[1].strip())
    except (jwt.PyJWTError, ValueError, TypeError):
        return "the token is not a JWT"
    if header.get("alg") != BOT_FRAMEWORK_ALGORITHM:
        return "the token is not signed with RS256"
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return "the token names no signing key (kid)"
    return None


# --- outgoing tokens ------------------------------------------------------------------------


@dataclass
class _CachedToken:
    token: str
    expires_at: float


class ClientSecretTokenProvider(AccessTokenProviderBase):
    """Client-credentials tokens (app id + secret) from `<authority>/oauth2/v2.0/token`,
    cached per scope until five minutes before they expire."""

    def __init__(self, configuration: AgentAuthConfiguration, *, timeout_s: float = 20.0):
        if not configuration.CLIENT_ID or not configuration.CLIENT_SECRET:
            raise ValueError("ClientSecretTokenProvider needs CLIENT_ID and CLIENT_SECRET")
        self._configuration = configuration
        self._timeout_s = timeout_s
        self._cache: dict[str, _CachedToken] = {}
        self._lock = asyncio.Lock()

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    @property
    def token_endpoint(self) -> str:
        authority = (
            self._configuration.AUTHORITY
            or f"{DEFAULT_AUTHORITY_HOST}/{self._configuration.TENANT_ID or 'common'}"
        )
        return f"{authority.rstrip('/')}/oauth2/v2.0/token"

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        scope = scopes[0] if scopes else f"{resource_url.rstrip('/')}/.default"
        return (await self._token(scope, force_refresh)).token

    async def _token(self, scope: str, force_refresh: bool = False) -> _CachedToken:
        async with self._lock:
            cached = self._cache.get(scope)
            if cached and not force_refresh and cached.expires_at - _REFRESH_MARGIN_S > time.time():
                return cached
            form = {
                "grant_type": "client_credentials",
                "client_id": self._configuration.CLIENT_ID or "",
                "client_secret": self._configuration.CLIENT_SECRET or "",
                "scope": scope,
            }
            timeout = aiohttp.ClientTimeout(total=self._timeout_s)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self.token_endpoint, data=form) as response,
            ):
                body = await response.text()
            if response.status != 200:
                log.error(
                    "token request to %s failed: HTTP %s %s",
                    self.token_endpoint,
                    response.status,
                    body[:300],
                )
                raise RuntimeError(
                    f"Microsoft Entra a refusé le jeton du bot (HTTP {response.status}) : "
                    "vérifiez l'ID d'application, le secret client et l'ID de locataire."
                )
            data = json.loads(body)
            token = _CachedToken(
                data["access_token"], time.time() + float(data.get("expires_in", 3600))
            )
            self._cache[scope] = token
            return token

    def get_token_credential(self) -> Any:
        return _Credential(self)

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError("the assistant does not act on behalf of users")


class _Credential:
    """An azure-core AsyncTokenCredential over the provider (for SDK parts that ask one)."""

    def __init__(self, provider: ClientSecretTokenProvider):
        self._provider = provider

    async def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        token = await self._provider._token(scopes[0] if scopes else "")
        return AccessToken(token.token, int(token.expires_at))

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> _Credential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


# --- signing keys of incoming tokens --------------------------------------------------------


def jwks_uri_from_metadata(metadata_url: str, timeout_s: float = 10.0) -> str:
    """The `jwks_uri` of an OpenID configuration document."""
    with urllib.request.urlopen(metadata_url, timeout=timeout_s) as response:
        document = json.loads(response.read())
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("http://", "https://")):
        raise ValueError(f"{metadata_url} has no usable jwks_uri")
    return jwks_uri


def trust_openid_metadata(metadata_url: str, configuration: AgentAuthConfiguration) -> str:
    """Make the SDK's JWT validation read its signing keys from the `jwks_uri` of
    `metadata_url` instead of the addresses it derives from the token's issuer (Bot
    Framework, public and government, and Microsoft Entra for the configured tenant).

    Everything else in the validation is unchanged. Returns the JWKS address used."""
    try:
        jwks_uri = jwks_uri_from_metadata(metadata_url)
    except (OSError, ValueError) as error:
        raise SettingsError(
            f"Configuration OpenID illisible à {metadata_url} ({error}) : vérifiez "
            "ALLIANCES_TEAMS_OPENID_METADATA_URL."
        ) from error
    client = _JwkClientCacheEntry(PyJWKClient(jwks_uri, lifespan=300), threading.Lock())
    tenant = entra.effective_tenant(configuration.TENANT_ID, configuration.AUTHORITY) or "common"
    for derived in (
        AuthenticationConstants.PUBLIC_ABS_JWKS_URL,
        AuthenticationConstants.GOV_ABS_JWKS_URL,
        f"https://login.microsoftonline.com/{configuration.TENANT_ID or 'common'}"
        "/discovery/v2.0/keys",
        f"https://login.microsoftonline.us/{tenant}/discovery/v2.0/keys",
    ):
        JwtTokenValidator._jwk_client_manager._cache[derived] = client
    log.warning("Teams tokens are verified with the keys of %s (%s)", metadata_url, jwks_uri)
    return jwks_uri
