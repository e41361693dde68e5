"""Config flow steps of the pipeline's entries: Ollama, Paperless-ngx (+ Paperless-AI), n8n.

`HomeLabConfigFlow` inherits `PipelineConfigFlow`: its menu leads to `async_step_ollama`,
`async_step_paperless` and `async_step_n8n`; reauth and reconfigure of a pipeline entry come
here through `async_step_reauth_service` and `async_step_reconfigure_service`. Each entry's
unique id is its kind and normalised URL (these services report no id of their own).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partialmethod
from typing import Any, Final

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol
from yarl import URL

from ..clients.http_api import ApiAuthenticationError, ApiConnectionError, ApiError
from ..clients.n8n import N8nScopeError
from ..clients.paperless import PaperlessUnsupportedVersionError
from ..clients.paperless_ai import PaperlessAIAuthenticationError, PaperlessAIError
from ..const import CONF_ENTRY_TYPE, CONF_VERIFY_SSL, LOGGER, EntryType, entry_type
from ..flow_reload import async_save_and_reload
from ..lab_profile import EXAMPLE_AI_URL, EXAMPLE_URLS
from .const import (
    CONF_AI_API_KEY,
    CONF_AI_PROCESSED_TAG,
    CONF_AI_URL,
    CONF_API_KEY,
    CONF_KEEP_ALIVE,
    CONF_POLL_INTERVAL,
    CONF_STAGE_TAGS,
    CONF_STUCK_THRESHOLD,
    CONF_TOKEN,
    CONF_URL,
    DEFAULT_AI_PROCESSED_TAG,
    DEFAULT_KEEP_ALIVE,
    DEFAULT_POLL_INTERVALS,
    DEFAULT_STAGE_TAGS,
    DEFAULT_STUCK_THRESHOLD,
    MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
    SERVICE_NAMES,
)
from .entry import (
    create_n8n_client,
    create_ollama_client,
    create_paperless_ai_client,
    create_paperless_client,
)

# Keys whose values are secrets: never a default or suggested value in a form.
SECRET_KEYS: Final = frozenset({CONF_TOKEN, CONF_API_KEY, CONF_AI_API_KEY})
URL_SELECTOR: Final = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
SECRET_SELECTOR: Final = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _url_placeholders(kind: EntryType) -> dict[str, str]:
    """Example addresses for the form's texts (hassfest allows no URL in a translation)."""
    placeholders = {"example_url": EXAMPLE_URLS[kind]}
    if kind is EntryType.PAPERLESS:
        placeholders["example_ai_url"] = EXAMPLE_AI_URL
    return placeholders


def normalize_url(value: object) -> str | None:
    """`http(s)://host[:port][/path]` without a trailing slash, or `None` when it is no URL."""
    text = str(value or "").strip()
    if not text or any(char.isspace() for char in text):
        return None
    if "://" not in text:
        text = f"http://{text}"
    try:
        url = URL(text)
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return str(url.with_query(None).with_fragment(None)).rstrip("/")


def unique_id_for(kind: EntryType, url: str) -> str:
    """An entry's unique id: its kind and normalised URL."""
    return f"{kind}_{url}"


def _clean(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise URLs, drop empty optional secrets; errors for URLs that are not URLs."""
    data = {
        key: value.strip() if isinstance(value, str) else value for key, value in user_input.items()
    }
    data = {key: value for key, value in data.items() if value not in ("", None)}
    errors: dict[str, str] = {}
    for key in (CONF_URL, CONF_AI_URL):
        if key in data:
            url = normalize_url(data[key])
            if url is None:
                errors[key] = "invalid_url"
            else:
                data[key] = url
    return data, errors


# ---------------------------------------------------------------- validation


async def _check_ollama(hass: HomeAssistant, data: dict[str, Any]) -> None:
    client = create_ollama_client(hass, data)
    await client.version()
    await client.running_models()


async def _check_paperless(hass: HomeAssistant, data: dict[str, Any]) -> None:
    client = create_paperless_client(hass, data)
    await client.negotiate()
    await client.statistics()


async def _check_n8n(hass: HomeAssistant, data: dict[str, Any]) -> None:
    await create_n8n_client(hass, data).executions(limit=1)


CHECKS: Final[dict[EntryType, Callable[[HomeAssistant, dict[str, Any]], Awaitable[None]]]] = {
    EntryType.OLLAMA: _check_ollama,
    EntryType.PAPERLESS: _check_paperless,
    EntryType.N8N: _check_n8n,
}


async def validate_service(
    hass: HomeAssistant, kind: EntryType, data: dict[str, Any]
) -> dict[str, str]:
    """Talk to the service (and Paperless-AI when given); the form errors (empty: all good)."""
    try:
        await CHECKS[kind](hass, data)
    except N8nScopeError:
        # A valid key without `execution:list`: say which scope, not "refused".
        return {"base": "n8n_missing_scope"}
    except ApiAuthenticationError:
        return {"base": "service_invalid_auth"}
    except ApiConnectionError:
        return {"base": "service_cannot_connect"}
    except PaperlessUnsupportedVersionError:
        return {"base": "unsupported_version"}
    except ApiError:
        return {"base": "invalid_response"}
    except Exception:  # noqa: BLE001 - the form must show "unknown", never crash
        LOGGER.exception("Unexpected error while testing %s", SERVICE_NAMES[kind])
        return {"base": "unknown"}
    ai = create_paperless_ai_client(hass, data) if kind is EntryType.PAPERLESS else None
    if ai is not None:
        try:
            await ai.health()
            await ai.processing_status()
        except PaperlessAIAuthenticationError:
            return {CONF_AI_API_KEY: "ai_invalid_auth"}
        except PaperlessAIError:
            return {CONF_AI_URL: "ai_cannot_connect"}
    return {}


# ---------------------------------------------------------------- forms


def _connection_fields(kind: EntryType, defaults: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_URL, default=defaults.get(CONF_URL, EXAMPLE_URLS[kind])): URL_SELECTOR,
        vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)): bool,
    }
    if kind is EntryType.PAPERLESS:
        fields[
            vol.Optional(CONF_AI_URL, description={"suggested_value": defaults.get(CONF_AI_URL)})
        ] = URL_SELECTOR
    return fields


def _secret_fields(
    kind: EntryType, defaults: Mapping[str, Any] | None = None
) -> dict[vol.Marker, Any]:
    if kind is EntryType.OLLAMA:
        return {vol.Optional(CONF_TOKEN): SECRET_SELECTOR}
    if kind is EntryType.N8N:
        return {vol.Required(CONF_API_KEY): SECRET_SELECTOR}
    fields: dict[vol.Marker, Any] = {vol.Required(CONF_TOKEN): SECRET_SELECTOR}
    if defaults is None or defaults.get(CONF_AI_URL):
        fields[vol.Optional(CONF_AI_API_KEY)] = SECRET_SELECTOR
    return fields


class PipelineConfigFlow(ConfigFlow):
    """The pipeline's steps (no domain of its own: `HomeLabConfigFlow` inherits them)."""

    async def _create(
        self, kind: EntryType, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _clean(user_input)
            if not errors:
                await self.async_set_unique_id(unique_id_for(kind, data[CONF_URL]))
                self._abort_if_unique_id_configured(error="service_already_configured")
                errors = await validate_service(self.hass, kind, data)
            if not errors:
                return self.async_create_entry(
                    title=SERVICE_NAMES[kind], data={CONF_ENTRY_TYPE: kind.value, **data}
                )
        defaults = user_input or {}
        schema = vol.Schema({**_connection_fields(kind, defaults), **_secret_fields(kind)})
        return self.async_show_form(
            step_id=kind.value,
            data_schema=self.add_suggested_values_to_schema(schema, defaults),
            errors=errors,
            description_placeholders=_url_placeholders(kind),
        )

    # Add Ollama (its URL, and a token when a reverse proxy asks for one), Paperless-ngx with an
    # API token (and optionally Paperless-AI), or n8n with an API key.
    async_step_ollama = partialmethod(_create, EntryType.OLLAMA)
    async_step_paperless = partialmethod(_create, EntryType.PAPERLESS)
    async_step_n8n = partialmethod(_create, EntryType.N8N)

    # ------------------------------------------------------------ reauth

    async def async_step_reauth_service(self, _entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A pipeline entry's token or key was refused: ask for a new one."""
        return await self._reauth(None)

    async def _reauth(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A new token or key for the entry's service (and Paperless-AI's key)."""
        entry = self._get_reauth_entry()
        kind = entry_type(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            updates, errors = _clean(user_input)
            data = {
                **{k: v for k, v in entry.data.items() if k not in _secret_keys(kind)},
                **updates,
            }
            errors = errors or await validate_service(self.hass, kind, data)
            if not errors:
                return async_save_and_reload(self, entry, data)
        return self.async_show_form(
            step_id=f"reauth_{kind.value}",
            data_schema=vol.Schema(_secret_fields(kind, entry.data)),
            errors=errors,
            description_placeholders={"url": str(entry.data.get(CONF_URL, ""))},
        )

    # The form's step id names the kind (for its texts); the kind itself comes from the entry.
    async_step_reauth_ollama = async_step_reauth_paperless = async_step_reauth_n8n = _reauth

    # ------------------------------------------------------------ reconfigure

    async def async_step_reconfigure_service(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a pipeline entry's URL (the service may have moved)."""
        entry = self._get_reconfigure_entry()
        kind = entry_type(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            updates, errors = _clean(user_input)
            data = {k: v for k, v in entry.data.items() if k != CONF_AI_URL}
            data.update(updates)
            if kind is EntryType.PAPERLESS and CONF_AI_URL not in data:
                data.pop(CONF_AI_API_KEY, None)
            if not errors:
                unique_id = unique_id_for(kind, data[CONF_URL])
                if self._taken(entry, unique_id):
                    return self.async_abort(reason="service_already_configured")
                errors = await validate_service(self.hass, kind, data)
                if not errors:
                    return async_save_and_reload(self, entry, data, unique_id)
        # Stored secrets never go to the browser: a blank key field keeps the stored key.
        defaults = {
            k: v for k, v in {**entry.data, **(user_input or {})}.items() if k not in SECRET_KEYS
        }
        fields = _connection_fields(kind, defaults)
        if kind is EntryType.PAPERLESS:
            fields[vol.Optional(CONF_AI_API_KEY)] = SECRET_SELECTOR
        return self.async_show_form(
            step_id=f"reconfigure_{kind.value}",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), defaults),
            errors=errors,
            description_placeholders=_url_placeholders(kind),
        )

    def _taken(self, entry: ConfigEntry[Any], unique_id: str) -> bool:
        return any(
            other.unique_id == unique_id and other.entry_id != entry.entry_id
            for other in self._async_current_entries(include_ignore=False)
        )

    # The form's step id names the kind (for its texts); the kind itself comes from the entry.
    async_step_reconfigure_ollama = async_step_reconfigure_service
    async_step_reconfigure_paperless = async_step_reconfigure_service
    async_step_reconfigure_n8n = async_step_reconfigure_service


def _secret_keys(kind: EntryType) -> tuple[str, ...]:
    if kind is EntryType.N8N:
        return (CONF_API_KEY,)
    # Paperless-AI's key is only replaced when a new one is given.
    return (CONF_TOKEN,)


# ---------------------------------------------------------------- options


def _seconds(minimum: int, maximum: int, unit: str = "s") -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
        )
    )


class PipelineOptionsFlow(OptionsFlowWithReload):
    """Options of a pipeline entry: poll interval, plus Ollama's and Paperless-ngx's own."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the entry kind's options."""
        return await self._options(entry_type(self.config_entry), user_input)

    async def _options(
        self, kind: EntryType, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        if user_input is not None:
            options: dict[str, Any] = {
                CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL]),
            }
            if kind is EntryType.OLLAMA:
                options[CONF_KEEP_ALIVE] = int(user_input[CONF_KEEP_ALIVE])
            if kind is EntryType.PAPERLESS:
                options[CONF_STUCK_THRESHOLD] = int(user_input[CONF_STUCK_THRESHOLD])
                tags = [str(tag).strip() for tag in user_input.get(CONF_STAGE_TAGS, [])]
                options[CONF_STAGE_TAGS] = list(dict.fromkeys(tag for tag in tags if tag))
                options[CONF_AI_PROCESSED_TAG] = (
                    str(user_input.get(CONF_AI_PROCESSED_TAG) or "").strip()
                    or DEFAULT_AI_PROCESSED_TAG
                )
            return self.async_create_entry(data=options)
        current = self.config_entry.options
        fields: dict[vol.Marker, Any] = {
            vol.Required(
                CONF_POLL_INTERVAL,
                default=current.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVALS[kind]),
            ): _seconds(MIN_POLL_INTERVAL, MAX_POLL_INTERVAL),
        }
        if kind is EntryType.OLLAMA:
            fields[
                vol.Required(
                    CONF_KEEP_ALIVE, default=current.get(CONF_KEEP_ALIVE, DEFAULT_KEEP_ALIVE)
                )
            ] = _seconds(0, 86400)
        if kind is EntryType.PAPERLESS:
            stage_tags = list(current.get(CONF_STAGE_TAGS, DEFAULT_STAGE_TAGS))
            fields[
                vol.Required(
                    CONF_STUCK_THRESHOLD,
                    default=current.get(CONF_STUCK_THRESHOLD, DEFAULT_STUCK_THRESHOLD),
                )
            ] = _seconds(1, 1440, "min")
            fields[vol.Optional(CONF_STAGE_TAGS, default=stage_tags)] = SelectSelector(
                SelectSelectorConfig(
                    options=list(dict.fromkeys([*DEFAULT_STAGE_TAGS, *stage_tags])),
                    multiple=True,
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
            fields[
                vol.Required(
                    CONF_AI_PROCESSED_TAG,
                    default=current.get(CONF_AI_PROCESSED_TAG, DEFAULT_AI_PROCESSED_TAG),
                )
            ] = str
        return self.async_show_form(step_id=kind.value, data_schema=vol.Schema(fields))

    # Ollama: poll interval and the keep-alive the idle estimate assumes. Paperless-ngx: poll
    # interval, stuck threshold, stage tags, Paperless-AI's tag. n8n: poll interval.
    async_step_ollama = partialmethod(_options, EntryType.OLLAMA)
    async_step_paperless = partialmethod(_options, EntryType.PAPERLESS)
    async_step_n8n = partialmethod(_options, EntryType.N8N)
