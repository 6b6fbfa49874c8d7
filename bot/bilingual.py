"""What users read is French, or English where they wrote English: one helper for it."""

from __future__ import annotations


def say(language: str, french: str, english: str) -> str:
    """The English text for an English conversation, the French one otherwise."""
    return english if language == "en" else french
