"""Constants of the document pipeline's entries: Ollama, Paperless-ngx (+ Paperless-AI), n8n."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry

from ..const import EntryType, entry_type
from ..lab_profile import AI_PROCESSED_TAG, STAGE_TAGS

CONF_URL: Final = "url"
CONF_TOKEN: Final = "token"  # noqa: S105 - a key name, not a secret
CONF_API_KEY: Final = "api_key"
CONF_AI_URL: Final = "ai_url"
CONF_AI_API_KEY: Final = "ai_api_key"

# Options.
CONF_POLL_INTERVAL: Final = "poll_interval"
CONF_KEEP_ALIVE: Final = "keep_alive"
CONF_STUCK_THRESHOLD: Final = "stuck_threshold"
CONF_STAGE_TAGS: Final = "stage_tags"
CONF_AI_PROCESSED_TAG: Final = "ai_processed_tag"

DEFAULT_POLL_INTERVALS: Final = {
    EntryType.OLLAMA: 15,
    EntryType.PAPERLESS: 30,
    EntryType.N8N: 30,
}
MIN_POLL_INTERVAL: Final = 5
MAX_POLL_INTERVAL: Final = 3600
# Ollama's OLLAMA_KEEP_ALIVE default: what the estimate assumes until it learns better.
DEFAULT_KEEP_ALIVE: Final = 300
DEFAULT_STUCK_THRESHOLD: Final = 30
# Defaults a user changes in the options (the seed lab's, see lab_profile.py).
DEFAULT_STAGE_TAGS: Final = STAGE_TAGS
DEFAULT_AI_PROCESSED_TAG: Final = AI_PROCESSED_TAG

# Sent when any pipeline entry's data changes, so the pipeline depth can add its stages up.
SIGNAL_PIPELINE_UPDATED: Final = "homelab_pipeline_updated"

SERVICE_NAMES: Final = {
    EntryType.OLLAMA: "Ollama",
    EntryType.PAPERLESS: "Paperless-ngx",
    EntryType.N8N: "n8n",
}


def poll_interval(entry: ConfigEntry[Any]) -> int:
    """The entry's poll interval in seconds."""
    default = DEFAULT_POLL_INTERVALS.get(entry_type(entry), 30)
    return int(entry.options.get(CONF_POLL_INTERVAL, default))


def stuck_threshold(entry: ConfigEntry[Any]) -> timedelta:
    """How long a Paperless-ngx task may wait or run before it counts as stuck."""
    return timedelta(minutes=int(entry.options.get(CONF_STUCK_THRESHOLD, DEFAULT_STUCK_THRESHOLD)))
