"""Settings for the chat doors, read once from the environment and an optional config file.

Environment (wins over the file):

- `SLACK_BOT_TOKEN`       bot token (`xoxb-…`), page *OAuth & Permissions* of the Slack app;
- `SLACK_SIGNING_SECRET`  page *Basic Information*; proves requests come from Slack (HTTP mode);
- `SLACK_APP_TOKEN`       app-level token (`xapp-…`, scope `connections:write`), Socket Mode only;
- `SLACK_API_URL`         Web API base URL; Slack's own by default; GovSlack deployments and the
                          tests set it (`https://slack-gov.com/api/`, `http://127.0.0.1:P/api/`);
- `ALLIANCES_ADMINS`      comma-separated user ids allowed to change channel settings;
- `ALLIANCES_EDITORS`     comma-separated user ids, or Slack user group ids (S…), allowed to
                          create and update projects (`/projet`); nobody when unset;
- `ALLIANCES_CURATORS`    comma-separated user ids allowed to correct and remove the knowledge
                          base's documents (`sources corriger`, `sources retirer`); when
                          neither it nor the file's `curators` is set: the admins;
- `ALLIANCES_CONFIG`      a TOML config file (default: `$ALLIANCES_HOME/config.toml` if present);
- `ALLIANCES_HOME`        the data folder (index, state database).

Config file (TOML), every key optional:

```toml
admins = ["U012AB3CD", "U045EF6GH"]   # added to ALLIANCES_ADMINS
editors = ["U012AB3CD", "S0614TZR7"]  # added to ALLIANCES_EDITORS (users, Slack user groups)
curators = ["U012AB3CD"]              # added to ALLIANCES_CURATORS

[slack]
api_url = "https://slack-gov.com/api/"
streaming = true                      # false: always post-then-update
```

Tokens and secrets are read from the environment only, never from the file, so the file can
be committed or shared. Every problem raises `SettingsError` whose message says, in French,
what is wrong and where to fix it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
CONFIG_FILE_NAME = "config.toml"

# Slack user ids (U…/W…); Teams ids (AAD object GUIDs, "29:…" channel account ids) are accepted
# now so that the Teams door can reuse ALLIANCES_ADMINS without a new format.
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TEAMS_ACCOUNT = re.compile(r"^(29|8):[\w:.\-]+$")


class SettingsError(ValueError):
    """A setting is missing or malformed; str() is a French sentence saying how to fix it."""


def alliances_home(environ: Mapping[str, str] | None = None) -> Path:
    """The data folder: `ALLIANCES_HOME`, else the per-user data folder (the same folder as
    `knowledge.paths.data_home`, which the assistant uses)."""
    env = os.environ if environ is None else environ
    value = env.get("ALLIANCES_HOME", "").strip()
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_data_dir("alliances"))


@dataclass(frozen=True)
class SlackSettings:
    """What the Slack door needs. `signing_secret` is required in HTTP mode, `app_token` in
    Socket Mode; `api_url` always ends with "/" (slack_sdk joins method names to it)."""

    bot_token: str
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_SLACK_API_URL
    streaming: bool = True

    def require_http_mode(self) -> None:
        if not self.signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET manque : copiez le « Signing Secret » de la page "
                "« Basic Information » de l'app Slack dans cette variable d'environnement "
                "(ou lancez `alliances serve --socket-mode` avec SLACK_APP_TOKEN)."
            )

    def require_socket_mode(self) -> None:
        if not self.app_token:
            raise SettingsError(
                "SLACK_APP_TOKEN manque pour le mode Socket : créez un jeton de niveau app "
                "(xapp-…, portée connections:write) à la page « Basic Information » de l'app "
                "Slack et mettez-le dans cette variable d'environnement."
            )


# --- Microsoft Teams -----------------------------------------------------------------
# The names the Microsoft 365 Agents SDK reads (`load_configuration_from_env`), so that one
# environment serves the SDK's samples and tools as well as `alliances serve`.
TEAMS_CLIENT_ID_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
TEAMS_CLIENT_SECRET_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET"
TEAMS_TENANT_ID_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"
TEAMS_AUTHORITY_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHORITY"
TEAMS_ALLOW_ANONYMOUS_ENV = "ALLIANCES_TEAMS_ALLOW_ANONYMOUS"
TEAMS_OPENID_METADATA_ENV = "ALLIANCES_TEAMS_OPENID_METADATA_URL"


@dataclass(frozen=True)
class TeamsSettings:
    """What the Teams door needs (see docs/teams.md).

    - `app_id` / `app_password` / `tenant_id`: the Azure Bot's Microsoft Entra app registration
      (`…CLIENTID`, `…CLIENTSECRET`, `…TENANTID` above). With them, every request to
      /api/messages must carry a valid Bot Framework token (the SDK's JWT validation) and the
      replies are sent with a token from `authority` (default
      `https://login.microsoftonline.com/<tenant>`).
    - `allow_anonymous`: no credentials at all and `ALLIANCES_TEAMS_ALLOW_ANONYMOUS=1`: requests
      without a token are accepted (local testing with the Agents Playground); never both.
    - `openid_metadata_url`: where the signing keys of incoming tokens are read, instead of the
      Bot Framework's own OpenID configuration (test stand-ins, sovereign clouds).
    """

    app_id: str | None = None
    app_password: str | None = field(default=None, repr=False)
    tenant_id: str | None = None
    authority: str | None = None
    allow_anonymous: bool = False
    openid_metadata_url: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.app_id is not None


def _teams_settings(env: Mapping[str, str]) -> TeamsSettings | None:
    app_id = env.get(TEAMS_CLIENT_ID_ENV, "").strip() or None
    password = env.get(TEAMS_CLIENT_SECRET_ENV, "").strip() or None
    tenant = env.get(TEAMS_TENANT_ID_ENV, "").strip() or None
    authority = env.get(TEAMS_AUTHORITY_ENV, "").strip().rstrip("/") or None
    metadata = env.get(TEAMS_OPENID_METADATA_ENV, "").strip() or None
    raw_flag = env.get(TEAMS_ALLOW_ANONYMOUS_ENV, "").strip().lower()
    if raw_flag not in ("", "0", "1", "true", "false", "oui", "non", "yes", "no"):
        raise SettingsError(f"{TEAMS_ALLOW_ANONYMOUS_ENV} doit valoir 1 ou 0, pas « {raw_flag} ».")
    anonymous = raw_flag in ("1", "true", "oui", "yes")
    for name, url in ((TEAMS_AUTHORITY_ENV, authority), (TEAMS_OPENID_METADATA_ENV, metadata)):
        parts = urlsplit(url or "")
        if url and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise SettingsError(f"{name} invalide : « {url} ». Attendu une adresse http(s).")
    if app_id is None:
        if password or tenant:
            raise SettingsError(
                f"{TEAMS_CLIENT_ID_ENV} manque : copiez l'« ID d'application (client) » Microsoft "
                "de la ressource Azure Bot (page « Configuration ») dans cette variable."
            )
        if not anonymous:
            return None  # Teams is not configured: the Teams door stays closed.
        return TeamsSettings(allow_anonymous=True, openid_metadata_url=metadata)
    if anonymous:
        raise SettingsError(
            f"{TEAMS_ALLOW_ANONYMOUS_ENV}=1 est refusé quand {TEAMS_CLIENT_ID_ENV} est défini : "
            "l'accès anonyme ne sert qu'aux essais locaux, sans identifiants. Retirez l'une des "
            "deux variables."
        )
    if not _GUID.match(app_id):
        raise SettingsError(
            f"{TEAMS_CLIENT_ID_ENV} doit être un GUID (ex. 00000000-0000-0000-0000-000000000000) : "
            "l'« ID d'application (client) » de l'inscription Microsoft Entra du bot."
        )
    if not password:
        raise SettingsError(
            f"{TEAMS_CLIENT_SECRET_ENV} manque : créez un secret client (« Certificats et "
            "secrets ») pour l'inscription Microsoft Entra du bot et copiez sa valeur ici."
        )
    if not tenant or not _GUID.match(tenant):
        raise SettingsError(
            f"{TEAMS_TENANT_ID_ENV} manque ou n'est pas un GUID : copiez l'« ID de l'annuaire "
            "(locataire) » de la page « Vue d'ensemble » de l'inscription Microsoft Entra du bot."
        )
    if _has_space(password):
        raise SettingsError(f"{TEAMS_CLIENT_SECRET_ENV} contient des espaces : recopiez-le.")
    return TeamsSettings(
        app_id=app_id,
        app_password=password,
        tenant_id=tenant,
        authority=authority,
        openid_metadata_url=metadata,
    )


# --- end of Microsoft Teams ------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Everything `alliances serve` reads from its environment."""

    home: Path
    slack: SlackSettings | None = None
    teams: TeamsSettings | None = None
    admins: frozenset[str] = field(default_factory=frozenset)
    config_file: Path | None = None
    # Who may create and update projects: user ids, and Slack user groups.
    editors: frozenset[str] = field(default_factory=frozenset)
    editor_groups: frozenset[str] = field(default_factory=frozenset)
    # Who may correct and remove sources: user ids; the admins when none is configured.
    curators: frozenset[str] = field(default_factory=frozenset)
    # The largest file a curator may add by sharing it (ALLIANCES_MAX_UPLOAD_MB).
    max_upload_mb: float = 25.0

    @property
    def state_path(self) -> Path:
        """The chat state database (de-duplication, feedback, channel settings, threads)."""
        return self.home / "state.db"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings. Raises SettingsError with a French explanation."""
    env = dict(os.environ if environ is None else environ)
    home = alliances_home(env)
    config_file, config = _read_config_file(env, home)
    admins = frozenset(
        _parse_user_ids(env.get("ALLIANCES_ADMINS", ""), "ALLIANCES_ADMINS")
        | _config_user_ids(config, "admins", config_file)
    )
    curators = frozenset(
        _parse_user_ids(env.get("ALLIANCES_CURATORS", ""), "ALLIANCES_CURATORS")
        | _config_user_ids(config, "curators", config_file)
    )
    return Settings(
        home=home,
        slack=_slack_settings(env, config, config_file),
        teams=_teams_settings(env),
        admins=admins,
        config_file=config_file,
        **_editor_ids(env, config, config_file),
        curators=curators or admins,
        max_upload_mb=_max_upload_mb(env),
    )


def _max_upload_mb(env: Mapping[str, str]) -> float:
    raw = env.get("ALLIANCES_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return 25.0
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0 < value <= 1024:
        raise SettingsError(
            f"ALLIANCES_MAX_UPLOAD_MB doit être un nombre de mégaoctets entre 0 et 1024 "
            f"(par exemple 25), pas « {raw} »."
        )
    return value


def _slack_settings(
    env: Mapping[str, str], config: dict[str, Any], config_file: Path | None
) -> SlackSettings | None:
    bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
    app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
    slack_config = config.get("slack", {})
    if not isinstance(slack_config, dict):
        raise SettingsError(f"{config_file} : la section [slack] doit être une table TOML.")
    if not bot_token:
        if signing_secret or app_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN manque : copiez le « Bot User OAuth Token » (xoxb-…) de la page "
                "« OAuth & Permissions » de l'app Slack dans cette variable d'environnement."
            )
        return None  # Slack is not configured: the Slack door stays closed.
    if not bot_token.startswith("xoxb-"):
        raise SettingsError(
            "SLACK_BOT_TOKEN doit être un jeton de bot commençant par « xoxb- » "
            "(page « OAuth & Permissions » de l'app Slack), pas un jeton d'utilisateur ou d'app."
        )
    if _has_space(bot_token) or (signing_secret and _has_space(signing_secret)):
        raise SettingsError(
            "SLACK_BOT_TOKEN ou SLACK_SIGNING_SECRET contient des espaces : recopiez la valeur "
            "sans espace ni retour à la ligne."
        )
    if app_token is not None and not app_token.startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN doit être un jeton de niveau app commençant par « xapp- » "
            "(page « Basic Information » de l'app Slack, section « App-Level Tokens »)."
        )
    api_url = env.get("SLACK_API_URL", "").strip() or slack_config.get("api_url")
    streaming = slack_config.get("streaming", True)
    if not isinstance(streaming, bool):
        raise SettingsError(f"{config_file} : [slack] streaming doit valoir true ou false.")
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=normalize_api_url(api_url or DEFAULT_SLACK_API_URL),
        streaming=streaming,
    )


def normalize_api_url(url: str) -> str:
    """Validate a Web API base URL and make it end with "/"."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"SLACK_API_URL invalide : « {url} ». Attendu une adresse http(s) complète, "
            f"par exemple {DEFAULT_SLACK_API_URL}"
        )
    if parts.query or parts.fragment:
        raise SettingsError(f"SLACK_API_URL ne doit contenir ni « ? » ni « # » : « {url} ».")
    return url.strip().rstrip("/") + "/"


def _read_config_file(env: Mapping[str, str], home: Path) -> tuple[Path | None, dict[str, Any]]:
    explicit = env.get("ALLIANCES_CONFIG", "").strip()
    path = Path(explicit).expanduser() if explicit else home / CONFIG_FILE_NAME
    if not path.exists():
        if explicit:
            raise SettingsError(f"ALLIANCES_CONFIG désigne un fichier introuvable : {path}")
        return None, {}
    try:
        with path.open("rb") as handle:
            return path, tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"Fichier de configuration illisible ({path}) : {error}") from error
    except OSError as error:
        raise SettingsError(f"Impossible de lire le fichier {path} : {error}") from error


def _config_user_ids(config: dict[str, Any], key: str, config_file: Path | None) -> set[str]:
    value = config.get(key, [])
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError(
            f"{config_file} : « {key} » doit être une liste d'identifiants, "
            f'par exemple {key} = ["U012AB3CD"].'
        )
    return _parse_user_ids(",".join(value), f"{config_file} ({key})")


def _parse_user_ids(raw: str, source: str) -> set[str]:
    """Comma-separated user ids; a name ("@marie") or anything with spaces is refused."""
    ids: set[str] = set()
    for item in raw.split(","):
        user_id = item.strip()
        if not user_id:
            continue
        if not is_user_id(user_id):
            raise SettingsError(
                f"{source} : « {user_id} » n'est pas un identifiant d'utilisateur. "
                "Dans Slack, ouvrez le profil de la personne, menu ⋮, « Copier l'ID du membre » "
                "(il ressemble à U012AB3CD) ; séparez les identifiants par des virgules."
            )
        ids.add(user_id)
    return ids


def is_user_id(value: str) -> bool:
    """A Slack user id, or a Teams user id (AAD object id or channel account id)."""
    return bool(_SLACK_USER_ID.match(value) or _GUID.match(value) or _TEAMS_ACCOUNT.match(value))


def _has_space(value: str) -> bool:
    return any(ch.isspace() for ch in value)


# --- project editors ---------------------------------------------------------------

_SLACK_USER_GROUP = re.compile(r"^S[A-Z0-9]{2,}$")


def _editor_ids(
    env: Mapping[str, str], config: dict[str, Any], config_file: Path | None
) -> dict[str, frozenset[str]]:
    """ALLIANCES_EDITORS and the config file's `editors`: user ids, and Slack user group ids
    (S…: in Slack, the group's page, ⋮, « Copier l'ID du groupe »)."""
    value = config.get("editors", [])
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError(
            f"{config_file} : « editors » doit être une liste d'identifiants, "
            'par exemple editors = ["U012AB3CD", "S0614TZR7"].'
        )
    users: set[str] = set()
    groups: set[str] = set()
    for raw, source in (
        (env.get("ALLIANCES_EDITORS", ""), "ALLIANCES_EDITORS"),
        (",".join(value), f"{config_file} (editors)"),
    ):
        for item in raw.split(","):
            identifier = item.strip()
            if not identifier:
                continue
            if _SLACK_USER_GROUP.match(identifier):
                groups.add(identifier)
            elif is_user_id(identifier):
                users.add(identifier)
            else:
                raise SettingsError(
                    f"{source} : « {identifier} » n'est ni un identifiant d'utilisateur "
                    "(U012AB3CD : profil, ⋮, « Copier l'ID du membre ») ni un identifiant de "
                    "groupe d'utilisateurs Slack (S0614TZR7) ; séparez-les par des virgules."
                )
    return {"editors": frozenset(users), "editor_groups": frozenset(groups)}
