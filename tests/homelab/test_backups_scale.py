"""At 100,000 snapshots over 2,000 datasets, a refresh reads only what the asked datasets hold.

The simulator charges simulated server time per snapshot it reads, by the real middleware's
rules, and counts what it read (`GET /control/snapshot_cost`). The figures are printed.
"""

from __future__ import annotations

import time
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.backups.options import CONF_BACKUPS
from tests.backups_lab import SCALE, backup_lab
from tests.common import LabHandle

from .conftest import entry_data

APPS = 10


async def cost(lab: LabHandle) -> dict[str, Any]:
    result: dict[str, Any] = await lab.control("GET", "/control/snapshot_cost")
    return result


async def held_by(entry: MockConfigEntry, datasets: list[str]) -> int:
    """How many snapshots the datasets hold (asked after the measurement)."""
    api = entry.runtime_data.backups.api
    assert api is not None
    if api.methods.resource_snapshots:
        return sum((await api.snapshot_counts(datasets)).values())
    assert api.methods.snapshot_query is not None
    count = await entry.runtime_data.client.query(
        api.methods.snapshot_query, [["dataset", "in", datasets]], count=True
    )
    return int(count)


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n    {line}", end="")  # noqa: T201 - the figures are this test's output


@pytest.mark.parametrize("version", ["25.04.2", "25.10.2", "26.0.0"])
async def test_refresh_at_scale(
    hass: HomeAssistant,
    socket_enabled: None,
    capsys: pytest.CaptureFixture[str],
    version: str,
) -> None:
    with backup_lab(version, generate=SCALE) as lab:
        summary = await lab.control("GET", "/control/backups")
        total = summary["snapshots"]
        assert total >= 100_000
        assert summary["datasets"] >= 2_000
        await lab.control("DELETE", "/control/snapshot_cost")
        entry = MockConfigEntry(
            domain=DOMAIN, title="nas", unique_id=lab.host_id, data=entry_data(lab)
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        coordinator = entry.runtime_data.backups
        first = await cost(lab)
        first_wall = coordinator.last_refresh_seconds
        datasets = sorted(coordinator.data.datasets)
        assert len(datasets) == APPS

        await lab.control("DELETE", "/control/snapshot_cost")
        started = time.perf_counter()
        await coordinator.async_refresh()
        wall = time.perf_counter() - started
        second = await cost(lab)

        held = await held_by(entry, datasets)
        assert first["enumerated"] <= held
        assert second["enumerated"] <= held
        if version != "25.04.2":
            assert second["enumerated"] == 0  # nothing changed: snapshots_changed says so
        report(
            capsys,
            f"TrueNAS {version}: {total:,} snapshots, {summary['datasets']:,} datasets; "
            f"{len(datasets)} watched datasets hold {held:,}. First refresh read "
            f"{first['enumerated']} snapshots, {first['server_seconds']:.3f} s server time, "
            f"{first_wall:.3f} s wall; next refresh read {second['enumerated']}, "
            f"{second['server_seconds']:.3f} s server time, {wall:.3f} s wall.",
        )

        # For contrast, the obvious query: one dataset's snapshots with their creation time.
        if version != "26.0.0":
            await lab.control("DELETE", "/control/snapshot_cost")
            method = "zfs.snapshot.query" if version == "25.04.2" else "pool.snapshot.query"
            await entry.runtime_data.client.query(
                method,
                [["dataset", "=", datasets[0]]],
                extra={"properties": ["creation"]},
                timeout=60,
            )
            naive = await cost(lab)
            assert naive["enumerated"] == total
            report(
                capsys,
                f"TrueNAS {version}: one `dataset =` query with properties read "
                f"{naive['enumerated']:,} snapshots, {naive['server_seconds']:.1f} s server time.",
            )
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_many_uncovered_datasets(
    hass: HomeAssistant, socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Datasets no snapshot task covers: their names are read once, then nothing."""
    with backup_lab("25.10.2", generate=SCALE) as lab:
        await lab.control("GET", "/control/backups")
        await lab.control("DELETE", "/control/snapshot_cost")
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="nas",
            unique_id=lab.host_id,
            data=entry_data(lab),
            options={CONF_BACKUPS: {"datasets": ["tank/archive/ds000??"]}},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        coordinator = entry.runtime_data.backups
        datasets = sorted(coordinator.data.datasets)
        assert len(datasets) == 100
        first = await cost(lab)
        await lab.control("DELETE", "/control/snapshot_cost")
        await coordinator.async_refresh()
        second = await cost(lab)
        held = await held_by(entry, datasets)
        # Each dataset's names once, plus one lookup of its newest snapshot.
        assert first["enumerated"] <= held + len(datasets)
        assert second["enumerated"] == 0
        report(
            capsys,
            f"100 uncovered datasets holding {held:,}: first refresh read "
            f"{first['enumerated']:,} ({first['server_seconds']:.3f} s server time, "
            f"{coordinator.last_refresh_seconds:.3f} s wall), the next one {second['enumerated']}.",
        )
        assert await hass.config_entries.async_unload(entry.entry_id)
