"""The syntax of the project commands, platform-neutral: what follows `projet` → ParsedCommand.

    nouveau|new [<nom> [<description>]] [options]      no name, no option: the form
    maj|update <#id|"nom"|nom> <texte> [statut:…] [montant:…] [personnes:…]
    voir|show <#id|id|"nom"|nom>
    liste|list [région:…] [statut:…]
    aide|help

- A name may be quoted with "…", «…» or “…” (needed when it contains a colon); unquoted, it
  runs to the first option (`nouveau`, `voir`) or, for `maj`, is split from the text later
  against the names the store knows (`ParsedCommand.rest`). In `maj`, a number must be
  written `#12`: "maj 12 jeunes inscrits" is not read as project 12.
- Options are `clé:valeur` with no space before the colon (French typography puts one
  before a colon in prose, so « Bilan : … » stays text). A value runs to the next option,
  so `montant:12 500 $ personnes:12` gives "12 500 $" and "12". Keys have French and
  English names (`statut`/`status`, `montant`/`amount`, `personnes`/`people`, `région`/
  `region`, …). A misspelt key (`statu:`) is an error, never silently text.
- The reply language is English when the action word is English (new, update, show, list,
  help), French otherwise.

Only syntax here: values are checked by `knowledge.projects` (amounts, regions, statuses).
Errors are `CommandSyntaxError`, whose str() is French and `.text("en")` English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from knowledge.folding import fold_key

# action word (folded) → (action, language)
ACTION_WORDS: dict[str, tuple[str, str]] = {
    "nouveau": ("new", "fr"),
    "nouvel": ("new", "fr"),
    "nouvelle": ("new", "fr"),
    "creer": ("new", "fr"),
    "ajouter": ("new", "fr"),
    "maj": ("update", "fr"),
    "mise a jour": ("update", "fr"),
    "miseajour": ("update", "fr"),
    "voir": ("show", "fr"),
    "afficher": ("show", "fr"),
    "fiche": ("show", "fr"),
    "liste": ("list", "fr"),
    "lister": ("list", "fr"),
    "aide": ("help", "fr"),
    "new": ("new", "en"),
    "create": ("new", "en"),
    "add": ("new", "en"),
    "update": ("update", "en"),
    "log": ("update", "en"),
    "show": ("show", "en"),
    "view": ("show", "en"),
    "list": ("list", "en"),
    "help": ("help", "en"),
}
# The word each action is written with, per language (help, errors, format_command).
ACTION_NAMES: dict[str, dict[str, str]] = {
    "fr": {"new": "nouveau", "update": "maj", "show": "voir", "list": "liste", "help": "aide"},
    "en": {"new": "new", "update": "update", "show": "show", "list": "list", "help": "help"},
}

# option key (folded) → field
OPTION_KEYS: dict[str, str] = {
    "statut": "status",
    "status": "status",
    "etat": "status",
    "montant": "amount_spent",
    "depense": "amount_spent",
    "depenses": "amount_spent",
    "amount": "amount_spent",
    "spent": "amount_spent",
    "personnes": "people_reached",
    "participants": "people_reached",
    "people": "people_reached",
    "reached": "people_reached",
    "region": "region",
    "territoire": "region",
    "territory": "region",
    "budget": "budget",
    "mrc": "mrc",
    "mandataire": "mandataire",
    "plan": "plan",
    "mesure": "measure",
    "measure": "measure",
    "promoteur": "promoter",
    "porteur": "promoter",
    "organisme": "promoter",
    "promoter": "promoter",
    "organisation": "promoter",
    "organization": "promoter",
    "debut": "start_date",
    "start": "start_date",
    "fin": "end_date",
    "end": "end_date",
}
# The key each field is written with, per language.
OPTION_NAMES: dict[str, dict[str, str]] = {
    "fr": {
        "status": "statut",
        "amount_spent": "montant",
        "people_reached": "personnes",
        "region": "région",
        "budget": "budget",
        "mrc": "mrc",
        "mandataire": "mandataire",
        "plan": "plan",
        "measure": "mesure",
        "promoter": "promoteur",
        "start_date": "début",
        "end_date": "fin",
    },
    "en": {
        "status": "status",
        "amount_spent": "amount",
        "people_reached": "people",
        "region": "region",
        "budget": "budget",
        "mrc": "mrc",
        "mandataire": "mandataire",
        "plan": "plan",
        "measure": "measure",
        "promoter": "promoter",
        "start_date": "start",
        "end_date": "end",
    },
}
ALLOWED_OPTIONS: dict[str, tuple[str, ...]] = {
    "new": (
        "region",
        "mrc",
        "mandataire",
        "promoter",
        "plan",
        "measure",
        "status",
        "budget",
        "start_date",
        "end_date",
    ),
    "update": ("status", "amount_spent", "people_reached"),
    "list": ("region", "status"),
    "show": (),
    "help": (),
}

# Opening quote → the closing quotes it accepts. Slack and phones turn " into “ ”.
_QUOTES: dict[str, str] = {'"': '"”“', "«": "»", "“": '”“"', "„": '“”"', "”": '”"'}
_KEY = re.compile(r"(?<!\S)(?P<key>[^\s:\"«»“”„#]+):(?!//)")
_REFERENCE = re.compile(r"^#\s*(?P<id>\d{1,9})(?=\s|$)")
_BARE_ID = re.compile(r"^\d{1,9}$")
_URL_SCHEMES = {"http", "https", "mailto", "ftp"}


class CommandSyntaxError(ValueError):
    """A command that cannot be read. str() is French; `.text("en")` English."""

    def __init__(self, message: str, english: str):
        super().__init__(message)
        self.message = message
        self.english = english

    def text(self, language: str = "fr") -> str:
        return self.english if language == "en" else self.message


@dataclass(frozen=True)
class ProjectRef:
    """How a command designates a project: by id (`#12`) or by name (quoted or not)."""

    id: int | None = None
    name: str | None = None
    quoted: bool = False


@dataclass(frozen=True)
class ParsedCommand:
    """A project command, read but not checked against the store.

    `text`: an update's text, a new project's description, the words after `liste`.
    `rest`: for `maj` with an unquoted name, the name and the text together, to be split
    against the known names. `options`: field → value as typed; `keys`: field → key typed.
    """

    action: str
    language: str = "fr"
    ref: ProjectRef | None = None
    text: str = ""
    rest: str = ""
    options: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def wants_form(self) -> bool:
        """`nouveau` alone: open the creation form."""
        return self.action == "new" and self.ref is None and not self.options and not self.text

    @property
    def is_write(self) -> bool:
        return self.action == "update" or (self.action == "new" and not self.wants_form)


def _say(language: str, french: str, english: str) -> str:
    return english if language == "en" else french


def parse_project_command(arguments: str, *, language: str = "fr") -> ParsedCommand:
    """Read what follows `projet`. `language` is the default when no action word says
    (`projet` alone gives French help, `project` alone English)."""
    text = (arguments or "").strip()
    if not text:
        return ParsedCommand("help", language)
    first, _, remainder = text.partition(" ")
    action_language = ACTION_WORDS.get(fold_key(first) or first)
    if action_language is None and fold_key(first) in ("mise", "mettre"):
        # "mise à jour …" / "mettre à jour …" written in words
        words = text.split(None, 3)
        if len(words) >= 3 and fold_key(" ".join(words[1:3])) == "a jour":
            action_language = ("update", "fr")
            remainder = words[3] if len(words) > 3 else ""
    if action_language is None:
        if first == "?":
            return ParsedCommand("help", language)
        if first[:1] in _QUOTES or _REFERENCE.match(text) or _BARE_ID.match(text):
            action_language, remainder = ("show", language), text  # `projet #12`, `projet "Nom"`
        else:
            raise _unknown_action(first, language)
    action, language = action_language
    head, options, keys = _split_options(remainder, action, language)
    if action == "help":
        return ParsedCommand("help", language)
    if action == "list":
        return ParsedCommand("list", language, text=head, options=options, keys=keys)
    if action == "show":
        return ParsedCommand("show", language, ref=_show_ref(head, language))
    if action == "new":
        return _new(head, options, keys, language)
    return _update(head, options, keys, language)


def looks_like_a_command(arguments: str) -> bool:
    """Whether the words after `projet` are a project command, rather than a question that
    happens to start with "projet(s)" ("Projets financés en Mauricie ?"). A mistyped
    subcommand ("mj #3 …") counts as a command, so that its error names the right one."""
    text = (arguments or "").strip()
    if not text:
        return True
    words = text.split()
    key = fold_key(words[0])
    if key in ACTION_WORDS or words[0] == "?":
        return True
    if key in ("mise", "mettre") and fold_key(" ".join(words[1:3])) == "a jour":
        return True
    if text[0] in _QUOTES or _REFERENCE.match(text) or _BARE_ID.match(text):
        return True
    if text.endswith("?"):
        return False
    follows_a_reference = len(words) > 1 and (words[1][0] in _QUOTES or words[1][0] == "#")
    if len(key) < 3 and not follows_a_reference:
        return False  # "projets en cours", "projets de la Mauricie": words, not commands
    match = process.extractOne(key, list(ACTION_WORDS), scorer=fuzz.ratio)
    return bool(match and match[1] >= 75)


def _unknown_action(word: str, language: str) -> CommandSyntaxError:
    names = ACTION_NAMES[language]
    match = process.extractOne(fold_key(word), list(ACTION_WORDS), scorer=fuzz.ratio)
    hint_fr = hint_en = ""
    if match and match[1] >= 60:
        suggested = ACTION_NAMES[ACTION_WORDS[match[0]][1]][ACTION_WORDS[match[0]][0]]
        hint_fr = f" Vouliez-vous dire « {suggested} » ?"
        hint_en = f" Did you mean “{suggested}”?"
    listed = ", ".join(names.values())
    return CommandSyntaxError(
        f"Sous-commande inconnue : « {word} ».{hint_fr} Sous-commandes : {listed}.",
        f"Unknown subcommand: “{word}”.{hint_en} Subcommands: {listed}.",
    )


# --- quotes and options ---------------------------------------------------------------------


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quoted part that opens at the start of a word; end is the
    position after the closing quote. An unclosed quote is an error."""
    spans: list[tuple[int, int]] = []
    position = 0
    while position < len(text):
        char = text[position]
        at_word_start = position == 0 or text[position - 1].isspace() or text[position - 1] == ":"
        if char in _QUOTES and at_word_start:
            closing = _QUOTES[char]
            end = next((i for i in range(position + 1, len(text)) if text[i] in closing), None)
            if end is None:
                raise CommandSyntaxError(
                    f"Guillemet non fermé : {text[position : position + 40]}… Fermez le nom ou "
                    "le texte par un guillemet.",
                    f"Unclosed quote: {text[position : position + 40]}… Close the name or the "
                    "text with a quote.",
                )
            spans.append((position, end + 1))
            position = end + 1
        else:
            position += 1
    return spans


def _split_options(
    text: str, action: str, language: str
) -> tuple[str, dict[str, str], dict[str, str]]:
    """The text before the first option, and the options (field → value as typed)."""
    spans = _quoted_spans(text)
    found: list[tuple[int, int, str, str]] = []  # (key start, value start, field, key typed)
    for match in _KEY.finditer(text):
        start = match.start()
        if any(begin <= start < end for begin, end in spans):
            continue
        typed = match.group("key")
        key = fold_key(typed)
        if key in OPTION_KEYS:
            found.append((start, match.end(), OPTION_KEYS[key], typed))
        elif _looks_like_a_key(key):
            raise _unknown_option(typed, key, action, language)
    options: dict[str, str] = {}
    keys: dict[str, str] = {}
    for number, (_start, value_start, name, typed) in enumerate(found):
        value_end = found[number + 1][0] if number + 1 < len(found) else len(text)
        value = _unquote(text[value_start:value_end].strip())
        allowed = ALLOWED_OPTIONS[action]
        if name not in allowed:
            raise _option_not_allowed(typed, action, language)
        if name in options:
            raise CommandSyntaxError(
                f"L'option « {typed}: » est donnée deux fois.",
                f"The option “{typed}:” is given twice.",
            )
        if not value:
            raise CommandSyntaxError(
                f"L'option « {typed}: » n'a pas de valeur (écrivez-la juste après les "
                "deux-points, ex. statut:en cours).",
                f"The option “{typed}:” has no value (write it right after the colon, "
                "e.g. status:in progress).",
            )
        options[name] = value
        keys[name] = typed
    head = text[: found[0][0]] if found else text
    return head.strip(), options, keys


def _looks_like_a_key(key: str) -> bool:
    """A misspelt option key (`statu`, `montnat`), not a word that merely ends with a colon
    in prose or a URL scheme."""
    if len(key) < 3 or key in _URL_SCHEMES or not key.isalpha():
        return False
    match = process.extractOne(key, list(OPTION_KEYS), scorer=fuzz.ratio)
    return bool(match and match[1] >= 80)


def _unknown_option(typed: str, key: str, action: str, language: str) -> CommandSyntaxError:
    match = process.extractOne(key, list(OPTION_KEYS), scorer=fuzz.ratio)
    field_name = OPTION_KEYS[match[0]] if match else None
    suggestion = OPTION_NAMES[language].get(field_name or "", "")
    allowed = _allowed_list(action, language)
    return CommandSyntaxError(
        f"Option inconnue : « {typed}: ». Vouliez-vous dire « {suggestion}: » ? "
        f"Options possibles ici : {allowed}.",
        f"Unknown option: “{typed}:”. Did you mean “{suggestion}:”? Options here: {allowed}.",
    )


def _option_not_allowed(typed: str, action: str, language: str) -> CommandSyntaxError:
    name_fr, name_en = ACTION_NAMES["fr"][action], ACTION_NAMES["en"][action]
    allowed_fr, allowed_en = _allowed_list(action, "fr"), _allowed_list(action, "en")
    return CommandSyntaxError(
        f"L'option « {typed}: » ne s'applique pas à « {name_fr} » "
        f"(options possibles : {allowed_fr}). Si ces mots font partie du texte, mettez le "
        "texte entre guillemets.",
        f"The option “{typed}:” does not apply to “{name_en}” (options: {allowed_en}). If "
        "these words are part of the text, put the text in quotes.",
    )


def _allowed_list(action: str, language: str) -> str:
    names = [OPTION_NAMES[language][name] + ":" for name in ALLOWED_OPTIONS[action]]
    return ", ".join(names) if names else _say(language, "aucune", "none")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] in _QUOTES and value[-1] in _QUOTES[value[0]]:
        return value[1:-1].strip()
    return value


def _leading_quoted(head: str) -> tuple[str, str] | None:
    """(quoted part, what follows) when the head starts with a quoted part."""
    if not head or head[0] not in _QUOTES:
        return None
    spans = _quoted_spans(head)
    if not spans or spans[0][0] != 0:
        return None
    end = spans[0][1]
    return head[1 : end - 1].strip(), head[end:].strip()


# --- actions --------------------------------------------------------------------------------


def _show_ref(head: str, language: str) -> ProjectRef:
    if not head:
        raise CommandSyntaxError(
            'Précisez le projet : `voir #12` ou `voir "Nom du projet"`.',
            'Say which project: `show #12` or `show "Project name"`.',
        )
    quoted = _leading_quoted(head)
    if quoted is not None:
        name, after = quoted
        if after:
            raise _extra_text(after, language)
        if not name:
            raise _empty_name(language)
        return ProjectRef(name=name, quoted=True)
    reference = _REFERENCE.match(head)
    if reference:
        after = head[reference.end() :].strip()
        if after:
            raise _extra_text(after, language)
        return ProjectRef(id=int(reference.group("id")))
    if _BARE_ID.match(head):
        return ProjectRef(id=int(head))
    return ProjectRef(name=head)


def _new(head: str, options: dict[str, str], keys: dict[str, str], language: str) -> ParsedCommand:
    quoted = _leading_quoted(head)
    if quoted is not None:
        name, description = quoted
        if not name:
            raise _empty_name(language)
        return ParsedCommand(
            "new",
            language,
            ProjectRef(name=name, quoted=True),
            text=_unquote(description),
            options=options,
            keys=keys,
        )
    if not head:
        if options:
            raise CommandSyntaxError(
                "Donnez le nom du projet avant les options : "
                '`nouveau "Nom du projet" région:Mauricie`.',
                'Give the project\'s name before the options: `new "Project name" '
                "region:Mauricie`.",
            )
        return ParsedCommand("new", language)
    return ParsedCommand("new", language, ProjectRef(name=head), options=options, keys=keys)


def _update(
    head: str, options: dict[str, str], keys: dict[str, str], language: str
) -> ParsedCommand:
    if not head:
        raise CommandSyntaxError(
            "Précisez le projet et le texte : `maj #12 12 jeunes inscrits` ou "
            '`maj "Nom du projet" 12 jeunes inscrits`.',
            "Say which project and what happened: `update #12 12 young people registered` or "
            '`update "Project name" 12 young people registered`.',
        )
    quoted = _leading_quoted(head)
    if quoted is not None:
        name, text = quoted
        if not name:
            raise _empty_name(language)
        return ParsedCommand(
            "update",
            language,
            ProjectRef(name=name, quoted=True),
            text=_unquote(text),
            options=options,
            keys=keys,
        )
    reference = _REFERENCE.match(head)
    if reference:
        return ParsedCommand(
            "update",
            language,
            ProjectRef(id=int(reference.group("id"))),
            text=_unquote(head[reference.end() :].strip()),
            options=options,
            keys=keys,
        )
    return ParsedCommand("update", language, rest=head, options=options, keys=keys)


def _extra_text(after: str, language: str) -> CommandSyntaxError:
    return CommandSyntaxError(
        f"Texte en trop après le projet : « {after[:60]} ».",
        f"Unexpected text after the project: “{after[:60]}”.",
    )


def _empty_name(language: str) -> CommandSyntaxError:
    return CommandSyntaxError(
        "Le nom du projet entre guillemets est vide.", "The quoted project name is empty."
    )


# --- writing a command back -----------------------------------------------------------------


def quote(name: str) -> str:
    """A name quoted with a quote style it does not contain."""
    if '"' not in name and "”" not in name and "“" not in name:
        return f'"{name}"'
    return f"« {name} »"


def format_command(command: ParsedCommand) -> str:
    """The text of a command (without the leading `projet`), in its language: what
    `parse_project_command` reads back as the same command."""
    parts = [ACTION_NAMES[command.language][command.action]]
    ref = command.ref
    if ref is not None:
        parts.append(f"#{ref.id}" if ref.id is not None else quote(ref.name or ""))
    elif command.rest:
        parts.append(command.rest)
    if command.text:
        parts.append(quote(command.text) if _needs_quotes(command.text) else command.text)
    for name, value in command.options.items():
        key = command.keys.get(name) or OPTION_NAMES[command.language][name]
        written = quote(value) if _needs_quotes(value) else value
        parts.append(f"{key}:{written}")
    return " ".join(parts)


def _needs_quotes(text: str) -> bool:
    return bool(_KEY.search(text)) or text[:1] in _QUOTES or text[:1] == "#"
