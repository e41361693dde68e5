"""strings.json is the source; the shipped English translation must match it."""

from __future__ import annotations

import json
from pathlib import Path
import re

import pytest

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "homelab"


def test_english_translation_matches_strings() -> None:
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    assert english == strings


def test_every_entity_translation_has_an_icon() -> None:
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    icons = json.loads((INTEGRATION / "icons.json").read_text())
    for platform, keys in strings["entity"].items():
        for key in keys:
            assert key in icons["entity"].get(platform, {}), f"{platform}.{key} has no icon"


# hassfest's pattern for an address in a translation (script/hassfest/translations.py, RE_URL):
# hassfest refuses such a string ("the string should not contain URLs, please use description
# placeholders instead"); the address comes in through a description placeholder.
HASSFEST_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)


def _strings(node: object, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [pair for key, value in node.items() for pair in _strings(value, f"{path}.{key}")]
    return [(path, node)] if isinstance(node, str) else []


@pytest.mark.parametrize("name", ["strings.json", "translations/en.json"])
def test_no_translation_contains_an_address(name: str) -> None:
    document = json.loads((INTEGRATION / name).read_text())
    offenders = [(path, text) for path, text in _strings(document) if HASSFEST_URL.search(text)]
    assert not offenders


def test_a_fixable_issue_has_its_text_in_the_fix_flow() -> None:
    """hassfest: an issue has either a description or a fix_flow (they are exclusive)."""
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    for key, issue in strings["issues"].items():
        assert ("description" in issue) != ("fix_flow" in issue), key
        if "fix_flow" in issue:
            assert all(step.get("description") for step in issue["fix_flow"]["step"].values())
