"""What the NAS's actions share: refusing a device of another kind, answering, registering."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import VolDictType
import probatio as vol

from ..const import DOMAIN
from ..targets import device_label, resolve_targets

if TYPE_CHECKING:
    from .runtime import TrueNASConfigEntry

ATTR_WAIT = "wait"
ATTR_TIMEOUT = "timeout"

type Refusal = Callable[[dr.AnyDeviceEntry, ConfigEntry[Any]], ServiceValidationError]


def refuse_with(translation_key: str) -> Refusal:
    """How `resolve_targets` refuses a device named directly that the action cannot act on."""

    def refuse(device: dr.AnyDeviceEntry, _entry: ConfigEntry[Any]) -> ServiceValidationError:
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={"target": device_label(device)},
        )

    return refuse


def targeted(call: ServiceCall, kind: str, refusal: str) -> list[tuple[TrueNASConfigEntry, Any]]:
    """(entry, key) of each object of `kind` the call aims at.

    A device of another kind named directly is refused with the translated `refusal`.
    """
    return [
        (target.entry, target.key)
        for target in resolve_targets(call.hass, call, {kind}, refuse_with(refusal))
    ]


type Lifecycle = Literal["start", "stop", "restart"]


def lifecycle_actions(thing: str) -> Mapping[str, Lifecycle]:
    """`start_<thing>`, `stop_<thing>` and `restart_<thing>`, each with what it does."""
    verbs: tuple[Lifecycle, ...] = ("start", "stop", "restart")
    return {f"{verb}_{thing}": verb for verb in verbs}


def wait_of(call: ServiceCall) -> tuple[bool, float]:
    """The call's `wait` and `timeout` (see `wait_fields`)."""
    return bool(call.data[ATTR_WAIT]), float(call.data[ATTR_TIMEOUT])


def wait_fields(default_timeout: float, max_timeout: float) -> VolDictType:
    """The fields of an action that can follow its job: `wait` for its end, up to `timeout` s."""
    return {
        vol.Optional(ATTR_WAIT, default=False): cv.boolean,
        vol.Optional(ATTR_TIMEOUT, default=default_timeout): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=max_timeout)
        ),
    }


def action_response(call: ServiceCall, results: dict[str, Any], group: str) -> ServiceResponse:
    """The response, when asked for: one target's result as is, several by name under `group`."""
    if not call.return_response:
        return None
    if len(results) == 1:
        single: dict[str, Any] = next(iter(results.values()))
        return single
    return {group: results}


def async_register_actions[ActionT](
    hass: HomeAssistant,
    actions: Mapping[str, ActionT],
    run: Callable[[ServiceCall, ActionT], Awaitable[ServiceResponse]],
    schema: Callable[[ActionT], vol.Schema],
) -> None:
    """Register one action per name, each running `run` with its own `ActionT`."""
    for service, action in actions.items():

        async def handler(call: ServiceCall, action: ActionT = action) -> ServiceResponse:
            return await run(call, action)

        hass.services.async_register(
            DOMAIN,
            service,
            handler,
            schema=schema(action),
            supports_response=SupportsResponse.OPTIONAL,
        )
