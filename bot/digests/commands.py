"""The `digest` chat command, platform-neutral (registered in the ChatCore, so `/alliances
digest …` in Slack and `digest …` in Teams share it):

- `digest abonner <horaire> [région:…] [vide:ignorer|message]` — subscribe this conversation
  (or change its schedule, region or policy); English: `digest subscribe every monday 9am
  [region:…] [empty:skip|message]`;
- `digest désabonner` / `unsubscribe` — stop;
- `digest` / `digest aperçu` / `preview` — the next digest as it stands, privately;
- `digest maintenant` / `now` — post the digest here at once (administrators);
- `digest aide` / `help`.

Anyone in a conversation may subscribe it, change or stop its digest, and preview it (every
change records who made it); posting at once is reserved to administrators. Without
`région:`, a subscription takes the channel's default region (`config région …`), else all.
Replies are French, English when the subcommand or the schedule was English.

The module's functions `typed_schedule`, `subscribe_conversation`, `schedule_lines` and
`slack_membership_note` serve any command that subscribes a conversation to scheduled posts
(the gaps report's `lacunes` too).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from bot.bilingual import say as _say
from bot.chat import (
    PLATFORM_SLACK,
    ChatReply,
    ChatRequest,
    Command,
    NoticeReply,
    command_prefix,
)
from bot.digests.delivery import DeliveryResult
from bot.digests.schedule import (
    EXAMPLES_EN,
    EXAMPLES_FR,
    Schedule,
    ScheduleError,
    format_fire_time,
    is_english_schedule,
    parse_schedule,
)
from bot.digests.service import DigestService, SubscriptionService
from bot.digests.store import Subscription
from bot.state import State
from knowledge.folding import fold_key
from knowledge.regions import UnknownRegionError, resolve_region

log = logging.getLogger(__name__)

COMMAND_NAMES = ("digest", "digests")
_ACTIONS = {
    "": ("preview", "fr"),
    "apercu": ("preview", "fr"),
    "voir": ("preview", "fr"),
    "preview": ("preview", "en"),
    "show": ("preview", "en"),
    "abonner": ("subscribe", "fr"),
    "abonnement": ("subscribe", "fr"),
    "s abonner": ("subscribe", "fr"),
    "subscribe": ("subscribe", "en"),
    "desabonner": ("unsubscribe", "fr"),
    "desabonnement": ("unsubscribe", "fr"),
    "se desabonner": ("unsubscribe", "fr"),
    "arreter": ("unsubscribe", "fr"),
    "unsubscribe": ("unsubscribe", "en"),
    "stop": ("unsubscribe", "en"),
    "maintenant": ("now", "fr"),
    "publier": ("now", "fr"),
    "now": ("now", "en"),
    "aide": ("help", "fr"),
    "help": ("help", "en"),
    "?": ("help", "fr"),
}
_OPTION = re.compile(r"(?<![\w-])(?P<key>r[ée]gion|vide|empty)\s*:\s*", re.IGNORECASE)
_ALL_REGIONS = {"toutes", "tout", "tous", "aucune", "aucun", "all", "none", "-"}
_SKIP_WORDS = {"ignorer", "sauter", "rien", "non", "skip", "no", "none", "aucun"}
_MESSAGE_WORDS = {"message", "oui", "afficher", "yes", "show", "publier"}


class DigestCommands:
    """The `digest` command. Blocking (SQLite): call it from the chat worker thread."""

    def __init__(
        self,
        service: DigestService,
        state: State | None = None,
        *,
        is_admin: Callable[[str], bool] = lambda _user: False,
        admins_configured: Callable[[], bool] = lambda: False,
    ):
        self.service = service
        self.state = state
        self.is_admin = is_admin
        self.admins_configured = admins_configured

    def command(self) -> Command:
        return Command(
            COMMAND_NAMES,
            self.handle,
            help_lines=(
                "`digest abonner lundi 9h [région:…]` : résumé périodique des projets dans ce "
                "canal",
                "`digest aide` : les résumés en détail (aperçu, horaires, désabonnement)",
            ),
            accepts=lambda rest: not rest.rstrip().endswith("?"),
        )

    # dispatch ---------------------------------------------------------------------------------

    def handle(self, request: ChatRequest, arguments: str) -> ChatReply:
        word, _, rest = arguments.strip().partition(" ")
        key = fold_key(word) if word != "?" else "?"
        if key.startswith("s ") and key[2:] in ("abonner", "desabonner"):
            key = key[2:]
        action = _ACTIONS.get(key)
        if action is None:
            return self._error(
                request,
                "fr",
                f"Sous-commande inconnue : « {word} ». " + self._usage(request, "fr"),
            )
        name, language = action
        if name == "preview":
            return self._preview(request, language)
        if name == "subscribe":
            return self._subscribe(request, rest.strip(), language)
        if name == "unsubscribe":
            return self._unsubscribe(request, language)
        if name == "now":
            return self._now(request, language)
        return NoticeReply(self.help_text(request, language), kind="help", private=True)

    # subcommands ------------------------------------------------------------------------------

    def _preview(self, request: ChatRequest, language: str) -> ChatReply:
        conversation = request.conversation
        subscription = self.service.subscription(conversation.platform, conversation.channel_id)
        notes: tuple[str, ...] = ()
        region = None
        if subscription is None:
            region = self._channel_region(request)
            notes = (
                _say(
                    language,
                    f"Voici les sept derniers jours. Pour recevoir ce résumé ici : "
                    f"`{command_prefix(request)}digest abonner lundi 9h`.",
                    f"Here are the last seven days. To receive this digest here: "
                    f"`{command_prefix(request)}digest subscribe every monday 9am`.",
                ),
            )
        reply = self.service.preview(
            conversation.platform,
            conversation.channel_id,
            language=language if subscription is None else subscription.language,
            region=region,
            notes=notes,
        )
        return reply

    def _subscribe(self, request: ChatRequest, arguments: str, language: str) -> ChatReply:
        schedule_text, options = _split_options(arguments)
        if is_english_schedule(schedule_text):
            language = "en"
        schedule = typed_schedule(request, schedule_text, language, ("digest", "digest"))
        if isinstance(schedule, NoticeReply):
            return schedule
        unknown = [key for key in options if key not in ("region", "empty")]
        if unknown:  # cannot happen with _OPTION, kept for safety
            return self._error(request, language, f"Option inconnue : {unknown[0]}")
        region: str | None
        region_source = "option"
        if "region" in options:
            typed = options["region"].strip("«»\"' ")
            if fold_key(typed) in _ALL_REGIONS:
                region = None
            else:
                try:
                    region = resolve_region(typed)
                except UnknownRegionError as error:
                    hint = ", ".join(error.suggestions)
                    return self._error(
                        request,
                        language,
                        _say(
                            language,
                            str(error) + " (ou `région:toutes`)",
                            f"Unknown region: “{typed}”."
                            + (f" Did you mean: {hint}?" if hint else "")
                            + " (or `region:all`)",
                        ),
                    )
        else:
            region = self._channel_region(request)
            region_source = "channel" if region else "none"
        policy = None
        if "empty" in options:
            value = fold_key(options["empty"])
            if value in _SKIP_WORDS:
                policy = "skip"
            elif value in _MESSAGE_WORDS:
                policy = "message"
            else:
                return self._error(
                    request,
                    language,
                    _say(
                        language,
                        f"Option vide:{options['empty']} inconnue : `vide:ignorer` (ne rien "
                        "publier quand il n'y a rien de nouveau) ou `vide:message` (publier "
                        "« Rien de nouveau cette semaine »).",
                        f"Unknown option empty:{options['empty']}: `empty:skip` (post nothing "
                        "when there is nothing new) or `empty:message` (post “Nothing new this "
                        "week”).",
                    ),
                )
        subscription, previous = subscribe_conversation(
            self.service,
            request,
            schedule,
            schedule_text,
            language,
            region=region,
            empty_policy=policy,
        )
        return NoticeReply(
            self._confirmation(request, subscription, previous, region_source),
            private=request.private,
        )

    def _unsubscribe(self, request: ChatRequest, language: str) -> ChatReply:
        conversation = request.conversation
        previous = self.service.unsubscribe(conversation.platform, conversation.channel_id)
        if previous is None:
            return NoticeReply(
                _say(
                    language,
                    "Ce canal n'était pas abonné aux résumés : rien à arrêter.",
                    "This channel was not subscribed to digests: nothing to stop.",
                ),
                private=True,
            )
        schedule = parse_schedule(previous.schedule).describe(language)
        return NoticeReply(
            _say(
                language,
                f"C'est noté : ce canal ne recevra plus le résumé des projets ({schedule}). "
                f"Pour le rétablir : `{command_prefix(request)}digest abonner "
                f"{previous.schedule_text}`.",
                f"Done: this channel will no longer receive the project digest ({schedule}). "
                f"To restore it: `{command_prefix(request)}digest subscribe "
                f"{previous.schedule_text}`.",
            ),
            private=request.private,
        )

    def _now(self, request: ChatRequest, language: str) -> ChatReply:
        if not self.is_admin(request.user_id):
            return self._refusal(request, language)
        conversation = request.conversation
        key = f"manual:{request.request_id or uuid.uuid4().hex}"
        try:
            result: DeliveryResult = self.service.run_in_loop(
                self.service.post_now(
                    conversation.platform,
                    conversation.channel_id,
                    period_key=key,
                    language=language,
                    region=self._channel_region(request),
                )
            )
        except RuntimeError:
            return self._error(
                request,
                language,
                _say(
                    language,
                    "La publication immédiate n'est possible que depuis `alliances serve` "
                    "(ou `alliances digest --post`).",
                    "Posting at once only works from `alliances serve` (or `alliances digest "
                    "--post`).",
                ),
            )
        return NoticeReply(self._outcome_text(request, result, language), private=True)

    # texts -------------------------------------------------------------------------------------

    def _confirmation(
        self,
        request: ChatRequest,
        subscription: Subscription,
        previous: Subscription | None,
        region_source: str,
    ) -> str:
        language = subscription.language
        schedule = parse_schedule(subscription.schedule)
        words = schedule.describe(language)
        prefix = command_prefix(request)
        if subscription.region:
            where = _say(
                language,
                f"pour la région {subscription.region}",
                f"for {subscription.region}",
            )
            if region_source == "channel":
                where += _say(language, " (réglage du canal)", " (channel setting)")
        else:
            where = _say(language, "pour toutes les régions", "for all regions")
        lines = [
            _say(
                language,
                f"✅ C'est noté : ce canal recevra le résumé des projets {words} (heure du "
                f"Québec), {where}.",
                f"✅ Done: this channel will receive the project digest {words} (Québec time), "
                f"{where}.",
            )
        ]
        lines += schedule_lines(self.service, subscription, previous, post_en="digest")
        if subscription.empty_policy == "skip":
            lines.append(
                _say(
                    language,
                    "Période sans nouveauté : rien n'est publié (`vide:message` pour publier "
                    "« Rien de nouveau cette semaine »).",
                    "Period without news: nothing is posted (`empty:message` to post “Nothing "
                    "new this week”).",
                )
            )
        else:
            lines.append(
                _say(
                    language,
                    "Période sans nouveauté : « Rien de nouveau cette semaine » (`vide:ignorer` "
                    "pour ne rien publier).",
                    "Period without news: “Nothing new this week” (`empty:skip` to post nothing).",
                )
            )
        lines.append(
            _say(
                language,
                f"Aperçu : `{prefix}digest` · arrêter : `{prefix}digest désabonner`.",
                f"Preview: `{prefix}digest preview` · stop: `{prefix}digest unsubscribe`.",
            )
        )
        if request.conversation.platform == PLATFORM_SLACK and not request.conversation.is_direct:
            lines.append(slack_membership_note(language))
        return "\n".join(lines)

    def _outcome_text(self, request: ChatRequest, result: DeliveryResult, language: str) -> str:
        outcome = result.outcome
        if outcome in ("posted", "resumed"):
            count = len(result.reply.digest.items) if result.reply else 0
            return _say(
                language,
                f"✅ Résumé publié dans ce canal ({count} projet{'s' if count > 1 else ''}). "
                "Le prochain résumé prévu n'est pas modifié.",
                f"✅ Digest posted in this channel ({count} project{'s' if count != 1 else ''}). "
                "The next scheduled digest is unchanged.",
            )
        if outcome == "already":
            return _say(language, "Ce résumé a déjà été publié.", "This digest was already posted.")
        if outcome == "busy":
            return _say(
                language,
                "Un résumé est en cours de publication ici ; réessayez dans un instant.",
                "A digest is being posted here; try again in a moment.",
            )
        error = result.error or "?"
        if error in ("not_in_channel", "channel_not_found"):
            return _say(
                language,
                f"⚠️ Je ne peux pas publier dans ce canal ({error}) : invitez-moi d'abord "
                "(`/invite @Alliances`).",
                f"⚠️ I cannot post in this channel ({error}): invite me first "
                "(`/invite @Alliances`).",
            )
        return _say(
            language,
            f"⚠️ La publication a échoué ({error}) ; le détail est dans le journal du serveur.",
            f"⚠️ Posting failed ({error}); the details are in the server log.",
        )

    def help_text(self, request: ChatRequest, language: str = "fr") -> str:
        prefix = command_prefix(request)
        if language == "en":
            return "\n".join(
                [
                    "*Project digests posted to this channel*",
                    f"• `{prefix}digest subscribe <schedule> [region:…] [empty:skip]`: this "
                    "channel receives the digest of the projects (created, updates, status "
                    "changes, money spent, people reached), by MRC, each linked to its project.",
                    f"  Schedules (Québec time): {EXAMPLES_EN}.",
                    f"• `{prefix}digest preview`: the next digest as it stands"
                    + (", for you only" if prefix else ""),
                    f"• `{prefix}digest unsubscribe`: stop the digests",
                    f"• `{prefix}digest now`: post the digest at once (administrators)",
                ]
            )
        return "\n".join(
            [
                "*Résumés périodiques des projets dans ce canal*",
                f"• `{prefix}digest abonner <horaire> [région:…] [vide:ignorer]` : ce canal "
                "reçoit le résumé des projets (créés, mises à jour, changements de statut, "
                "sommes dépensées, personnes rejointes), par MRC, chacun relié à sa fiche.",
                f"  Horaires (heure du Québec) : {EXAMPLES_FR}.",
                "  `vide:ignorer` : ne rien publier quand il n'y a rien de nouveau (sinon : "
                "« Rien de nouveau cette semaine »).",
                f"• `{prefix}digest` : aperçu du prochain résumé"
                + (", visible par vous seul" if prefix else ""),
                f"• `{prefix}digest désabonner` : arrêter les résumés",
                f"• `{prefix}digest maintenant` : publier le résumé tout de suite "
                "(administrateurs)",
            ]
        )

    def _usage(self, request: ChatRequest, language: str) -> str:
        prefix = command_prefix(request)
        return _say(
            language,
            f"Commandes : `{prefix}digest`, `{prefix}digest abonner <horaire>`, "
            f"`{prefix}digest désabonner`, `{prefix}digest maintenant`, `{prefix}digest aide`.",
            f"Commands: `{prefix}digest preview`, `{prefix}digest subscribe <schedule>`, "
            f"`{prefix}digest unsubscribe`, `{prefix}digest now`, `{prefix}digest help`.",
        )

    def _refusal(self, request: ChatRequest, language: str) -> NoticeReply:
        if not self.admins_configured():
            text = _say(
                language,
                "Aucun administrateur n'est configuré : personne ne peut publier un résumé à "
                "la demande. Ajoutez des identifiants à ALLIANCES_ADMINS (ou à `admins` du "
                f"fichier de configuration). Votre identifiant : {request.user_id}.",
                "No administrator is configured: nobody can post a digest on demand. Add user "
                "ids to ALLIANCES_ADMINS (or `admins` in the config file). Your id: "
                f"{request.user_id}.",
            )
        else:
            text = _say(
                language,
                "Seuls les administrateurs de l'assistant peuvent publier un résumé à la "
                f"demande (votre identifiant : {request.user_id}). Le résumé prévu partira à "
                "son heure ; `digest` en montre l'aperçu.",
                "Only the assistant's administrators can post a digest on demand (your id: "
                f"{request.user_id}). The scheduled digest will go out on time; `digest "
                "preview` shows it.",
            )
        return NoticeReply(text, kind="refusal", private=True)

    @staticmethod
    def _error(request: ChatRequest, language: str, text: str) -> NoticeReply:
        return NoticeReply(text, kind="error", private=True)

    def _channel_region(self, request: ChatRequest) -> str | None:
        if self.state is None:
            return None
        conversation = request.conversation
        try:
            return self.state.channel_settings(
                conversation.platform, conversation.channel_id
            ).region
        except Exception:
            log.warning("could not read the channel settings", exc_info=True)
            return None


def typed_schedule(
    request: ChatRequest, schedule_text: str, language: str, words: tuple[str, str]
) -> Schedule | NoticeReply:
    """The schedule typed in a subscription command, or the error to reply: none typed
    (then an example of the command is shown: `words`, its French and English words), or
    one that cannot be read."""
    if not schedule_text:
        prefix = command_prefix(request)
        return NoticeReply(
            _say(
                language,
                f"Précisez l'horaire : `{prefix}{words[0]} abonner lundi 9h`. "
                f"Exemples : {EXAMPLES_FR}.",
                f"Give the schedule: `{prefix}{words[1]} subscribe every monday 9am`. "
                f"Examples: {EXAMPLES_EN}.",
            ),
            kind="error",
            private=True,
        )
    try:
        return parse_schedule(schedule_text)
    except ScheduleError as error:
        return NoticeReply(error.text(language), kind="error", private=True)


def subscribe_conversation(
    service: SubscriptionService,
    request: ChatRequest,
    schedule: Schedule,
    schedule_text: str,
    language: str,
    *,
    region: str | None = None,
    empty_policy: str | None = None,
) -> tuple[Subscription, Subscription | None]:
    """Subscribe the request's conversation in the name of who sent it (see
    SubscriptionService.subscribe)."""
    conversation = request.conversation
    return service.subscribe(
        platform=conversation.platform,
        channel=conversation.channel_id,
        schedule=schedule,
        schedule_text=schedule_text,
        region=region,
        empty_policy=empty_policy,
        language=language,
        user=request.user_id,
        team_id=conversation.team_id,
    )


def schedule_lines(
    service: SubscriptionService,
    subscription: Subscription,
    previous: Subscription | None,
    *,
    post_en: str,
) -> list[str]:
    """What the confirmation of a subscription says of its schedule, in its language: the
    schedule it replaces, if any, and when the next post goes out (`post_en`: a post's
    English name, "digest" or "report")."""
    language = subscription.language
    following = service.next_fire(subscription)
    lines: list[str] = []
    if previous is not None and previous.schedule != subscription.schedule:
        before = parse_schedule(previous.schedule).describe(language)
        lines.append(
            _say(language, f"(Remplace l'horaire précédent : {before}.)",
                 f"(Replaces the previous schedule: {before}.)")
        )  # fmt: skip
    if following is not None:
        lines.append(
            _say(language, "Prochain envoi : ", f"Next {post_en}: ")
            + format_fire_time(following, language)
            + "."
        )
    return lines


def slack_membership_note(language: str) -> str:
    """What a subscription in a Slack channel (not a direct message) needs."""
    return _say(
        language,
        "Le bot doit être membre du canal pour y publier (`/invite @Alliances`).",
        "The bot must be a member of the channel to post there (`/invite @Alliances`).",
    )


def _split_options(arguments: str) -> tuple[str, dict[str, str]]:
    """`lundi 9h région:Mauricie vide:ignorer` → ("lundi 9h", {"region": "Mauricie",
    "empty": "ignorer"}); an option's value runs to the next option."""
    matches = list(_OPTION.finditer(arguments))
    if not matches:
        return arguments.strip(), {}
    options: dict[str, str] = {}
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(arguments)
        key = fold_key(match.group("key"))
        options["region" if key == "region" else "empty"] = arguments[match.end() : end].strip()
    schedule = arguments[: matches[0].start()].strip()
    return schedule, options


def is_digest_text(text: str) -> bool:
    """Whether a command text is the `digest` command (the Slack door's preview hook)."""
    first = text.strip().split(" ", 1)[0]
    return fold_key(first) in COMMAND_NAMES
