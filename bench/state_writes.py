"""State writes the recorder keeps: counted per entity kind over the steady-state window.

Every `state_changed` event of a Home Lab entity is a row in the recorder's database, kept for
its retention (10 days by default). The kind of an entity is its platform and translation key
(`sensor.app_cpu`), so the figures say which descriptions cost the database, whatever the lab's
size; the total per day is compared with the issue's target for the seed lab.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from custom_components.homelab.const import DOMAIN

# The seed lab writes at most this many states a day in total (issue 11).
SEED_STATES_PER_DAY_TARGET = 50_000


@contextmanager
def counted_state_writes(hass: HomeAssistant) -> Iterator[Counter[str]]:
    """Count the state writes of the integration's entities, by kind, while the block runs."""
    registry = er.async_get(hass)
    counts: Counter[str] = Counter()

    @callback
    def written(event: Event[EventStateChangedData]) -> None:
        entry = registry.async_get(event.data["entity_id"])
        if entry is None or entry.platform != DOMAIN or event.data["new_state"] is None:
            return
        counts[f"{entry.domain}.{entry.translation_key or 'untranslated'}"] += 1

    remove = hass.bus.async_listen(EVENT_STATE_CHANGED, written)
    try:
        yield counts
    finally:
        remove()


def per_day(counts: Counter[str], minutes: float) -> dict[str, int]:
    """Writes per day by kind (largest first), and the total under "total"."""
    scale = 1440 / minutes
    kinds = {kind: round(count * scale) for kind, count in counts.most_common()}
    return {"total": sum(kinds.values()), **kinds}
