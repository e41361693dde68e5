"""strings.json is the source; the shipped English translation must match it."""

from __future__ import annotations

import json
from pathlib import Path

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
