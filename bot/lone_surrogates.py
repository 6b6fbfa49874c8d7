"""Lone UTF-16 surrogates in decoded JSON, replaced before anything stores or sends them.

JSON may escape half of a surrogate pair ("\\ud800"); Python decodes it to a `str` that SQLite
and every UTF-8 encoder refuse. Slack and Teams clients can let one through in a message, so
it is read as U+FFFD (the replacement character) instead of failing the whole request.
"""

from __future__ import annotations

import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def replace_lone_surrogates(value: Any) -> Any:
    """`value` (decoded JSON: dicts, lists, strings, numbers) with every lone surrogate in its
    strings and keys replaced by U+FFFD. Iterative: deeply nested input cannot exhaust the
    stack. Returns `value` itself when it holds none."""
    if not _holds_lone_surrogates(value):
        return value
    return _rebuilt(value)


def _holds_lone_surrogates(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _clean(text: str) -> str:
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def _rebuilt(value: Any) -> Any:
    """A copy of `value` with clean strings, built without recursion."""
    if isinstance(value, str):
        return _clean(value)
    if not isinstance(value, dict | list):
        return value
    root: Any = {} if isinstance(value, dict) else []
    pending: list[tuple[Any, Any]] = [(value, root)]
    while pending:
        source, target = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, dict | list):
                copy: Any = {} if isinstance(item, dict) else []
                pending.append((item, copy))
            elif isinstance(item, str):
                copy = _clean(item)
            else:
                copy = item
            if isinstance(target, dict):
                target[_clean(key)] = copy
            else:
                target.append(copy)
    return root
