"""The `lacunes` chat command (English: `gaps`), platform-neutral, for administrators only:

- `lacunes [depuis:7j]` / `gaps [since:7d]` — the gaps report of the last 7 days (or the
  duration given: `24h`, `2sem`, `2w`…), shown privately;
- `lacunes abonner lundi 9h` / `gaps subscribe every monday 9am` — post the report in this
  channel or direct message on that schedule (Québec time), exactly once per period;
- `lacunes désabonner` / `gaps unsubscribe` — stop;
- `lacunes aide` / `gaps help`.

Anyone else gets a polite refusal. Replies are French, English when the command word, the
option or the schedule was English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.bilingual import say as _say
from bot.chat import PLATFORM_SLACK, ChatReply, ChatRequest, Command, NoticeReply, command_prefix
from bot.digests.commands import (
    schedule_lines,
    slack_membership_note,
    subscribe_conversation,
    typed_schedule,
)
from bot.digests.schedule import is_english_schedule, parse_schedule
from bot.gaps.delivery import GapReportService
from bot.gaps.durations import DurationError, parse_duration
from bot.gaps.render import GapReportReply
from knowledge.folding import fold_key

COMMAND_NAMES = ("lacunes", "lacune", "gaps")
DEFAULT_SINCE = "7j"
_ACTIONS = {
    "abonner": ("subscribe", "fr"),
    "abonnement": ("subscribe", "fr"),
    "subscribe": ("subscribe", "en"),
    "desabonner": ("unsubscribe", "fr"),
    "arreter": ("unsubscribe", "fr"),
    "unsubscribe": ("unsubscribe", "en"),
    "stop": ("unsubscribe", "en"),
    "aide": ("help", "fr"),
    "help": ("help", "en"),
    "?": ("help", "fr"),
}
_SINCE = re.compile(r"^(?:(?P<key>depuis|since)\s*:?\s*)?(?P<value>.*)$", re.IGNORECASE | re.DOTALL)


class GapCommands:
    """The `lacunes` command. Blocking (SQLite, the encoder): call it from the command thread."""

    def __init__(
        self,
        service: GapReportService,
        *,
        is_admin: Callable[[str], bool],
        admins_configured: Callable[[], bool],
    ):
        self.service = service
        self.is_admin = is_admin
        self.admins_configured = admins_configured

    def command(self) -> Command:
        return Command(
            COMMAND_NAMES,
            self.handle,
            help_lines=(
                "`lacunes [depuis:7j]` : ce que la base ne sait pas — abstentions et 👎 "
                "regroupés par thème ; `lacunes abonner lundi 9h` pour le recevoir ici "
                "(administrateurs)",
            ),
            needs_assistant=True,  # the questions are grouped with the assistant's encoder
            accepts=lambda rest: not rest.rstrip().endswith("?"),
        )

    # dispatch ---------------------------------------------------------------------------------

    def handle(self, request: ChatRequest, arguments: str) -> ChatReply:
        language = "en" if _typed_word(request) == "gaps" else "fr"
        word, _, rest = arguments.strip().partition(" ")
        key = fold_key(word) if word != "?" else "?"
        if key.startswith("se ") or key.startswith("s "):
            key = key.split(" ", 1)[1]
        action = _ACTIONS.get(key)
        if action is not None and key != "?":
            language = action[1]
        if not self.is_admin(request.user_id):
            return self._refusal(request, language)
        if action is None:
            return self._report(request, arguments.strip(), language)
        name = action[0]
        if name == "subscribe":
            return self._subscribe(request, rest.strip(), language)
        if name == "unsubscribe":
            return self._unsubscribe(request, language)
        return NoticeReply(self.help_text(request, language), kind="help", private=True)

    # subcommands ------------------------------------------------------------------------------

    def _report(self, request: ChatRequest, arguments: str, language: str) -> ChatReply:
        match = _SINCE.match(arguments)
        assert match is not None  # the pattern matches any text
        if match.group("key"):
            language = "en" if fold_key(match.group("key")) == "since" else "fr"
        typed = match.group("value").strip() or DEFAULT_SINCE
        prefix = command_prefix(request)
        try:
            since = parse_duration(typed)
        except DurationError as error:
            return NoticeReply(
                error.text(language)
                + " "
                + _say(
                    language,
                    f"Exemple : `{prefix}lacunes depuis:7j` ; les commandes : "
                    f"`{prefix}lacunes aide`.",
                    f"Example: `{prefix}gaps since:7d`; the commands: `{prefix}gaps help`.",
                ),
                kind="error",
                private=True,
            )
        report = self.service.report_since(since, language)
        conversation = request.conversation
        notes: tuple[str, ...] = ()
        if self.service.subscription(conversation.platform, conversation.channel_id) is None:
            notes = (
                _say(
                    language,
                    f"Pour recevoir ce rapport ici chaque semaine : `{prefix}lacunes "
                    "abonner lundi 9h`.",
                    f"To receive this report here every week: `{prefix}gaps "
                    "subscribe every monday 9am`.",
                ),
            )
        return GapReportReply(report, private=True, notes=notes)

    def _subscribe(self, request: ChatRequest, schedule_text: str, language: str) -> ChatReply:
        if schedule_text and is_english_schedule(schedule_text):
            language = "en"
        schedule = typed_schedule(request, schedule_text, language, ("lacunes", "gaps"))
        if isinstance(schedule, NoticeReply):
            return schedule
        subscription, previous = subscribe_conversation(
            self.service, request, schedule, schedule_text, language
        )
        words = schedule.describe(language)
        lines = [
            _say(
                language,
                f"✅ C'est noté : le rapport des lacunes (abstentions et 👎 de la période, par "
                f"thème) sera publié ici {words} (heure du Québec).",
                f"✅ Done: the gaps report (the period's abstentions and 👎, by theme) will be "
                f"posted here {words} (Québec time).",
            )
        ]
        lines += schedule_lines(self.service, subscription, previous, post_en="report")
        conversation = request.conversation
        if not conversation.is_direct:
            lines.append(
                _say(
                    language,
                    "Le rapport cite les questions posées (sans nom pour les messages directs) : "
                    "gardez-le dans un canal réservé aux administrateurs.",
                    "The report quotes the questions asked (without names for direct "
                    "messages): keep it in a channel for administrators.",
                )
            )
            if conversation.platform == PLATFORM_SLACK:
                lines.append(slack_membership_note(language))
        prefix = command_prefix(request)
        lines.append(
            _say(language, f"Arrêter : `{prefix}lacunes désabonner`.",
                 f"Stop: `{prefix}gaps unsubscribe`.")
        )  # fmt: skip
        return NoticeReply("\n".join(lines), private=True)

    def _unsubscribe(self, request: ChatRequest, language: str) -> ChatReply:
        conversation = request.conversation
        previous = self.service.unsubscribe(conversation.platform, conversation.channel_id)
        if previous is None:
            return NoticeReply(
                _say(
                    language,
                    "Le rapport des lacunes n'était pas publié ici : rien à arrêter.",
                    "The gaps report was not posted here: nothing to stop.",
                ),
                private=True,
            )
        words = parse_schedule(previous.schedule).describe(language)
        return NoticeReply(
            _say(
                language,
                f"C'est noté : le rapport des lacunes ne sera plus publié ici ({words}).",
                f"Done: the gaps report will no longer be posted here ({words}).",
            ),
            private=True,
        )

    # texts ------------------------------------------------------------------------------------

    def help_text(self, request: ChatRequest, language: str = "fr") -> str:
        prefix = command_prefix(request)
        if language == "en":
            return "\n".join(
                [
                    "*What the knowledge base lacks (administrators)*",
                    f"• `{prefix}gaps [since:7d]`: the questions the assistant could not "
                    "answer and the answers voted 👎 (with their comments), grouped by theme, "
                    "with counts, examples and the closest sources; closed gaps are marked. "
                    "Durations: `24h`, `7d`, `2w`.",
                    f"• `{prefix}gaps subscribe every monday 9am`: post it in this channel or "
                    "direct message on that schedule (Québec time).",
                    f"• `{prefix}gaps unsubscribe`: stop.",
                    "Questions asked in direct messages are shown without the asker's name.",
                ]
            )
        return "\n".join(
            [
                "*Ce que la base ne sait pas (administrateurs)*",
                f"• `{prefix}lacunes [depuis:7j]` : les questions restées sans réponse et les "
                "réponses notées 👎 (avec leurs commentaires), regroupées par thème, avec les "
                "nombres, des exemples et les sources les plus proches ; les lacunes comblées "
                "sont signalées. Durées : `24h`, `7j`, `2sem`.",
                f"• `{prefix}lacunes abonner lundi 9h` : le publier dans ce canal ou ce message "
                "direct à cet horaire (heure du Québec).",
                f"• `{prefix}lacunes désabonner` : arrêter.",
                "Les questions posées en message direct apparaissent sans le nom de la personne.",
            ]
        )

    def _refusal(self, request: ChatRequest, language: str) -> NoticeReply:
        if not self.admins_configured():
            text = _say(
                language,
                "Le rapport des lacunes est réservé aux administrateurs de l'assistant, et "
                "aucun n'est configuré : ajoutez des identifiants à ALLIANCES_ADMINS (ou à "
                f"`admins` du fichier de configuration). Votre identifiant : {request.user_id}.",
                "The gaps report is for the assistant's administrators, and none is "
                "configured: add user ids to ALLIANCES_ADMINS (or `admins` in the config "
                f"file). Your id: {request.user_id}.",
            )
        else:
            text = _say(
                language,
                "Désolé, le rapport des lacunes est réservé aux administrateurs de l'assistant "
                f"(votre identifiant : {request.user_id}). Si une question est restée sans "
                "réponse, votre 👎 et votre commentaire sous la réponse leur parviennent.",
                "Sorry, the gaps report is for the assistant's administrators (your id: "
                f"{request.user_id}). If a question went unanswered, your 👎 and comment under "
                "the answer reach them.",
            )
        return NoticeReply(text, kind="refusal", private=True)


def _typed_word(request: ChatRequest) -> str:
    words = request.text.strip().split(None, 1)
    return fold_key(words[0]) if words else ""
