"""A small async client for the Ollama HTTP API, on an injected aiohttp session.

Ollama has no authentication of its own; `token` is sent as `Authorization: Bearer` for a reverse
proxy in front of it, and never logged. Ollama itself answers 403 only from its Host check (an
empty body, when it listens on 127.0.0.1 and the URL's host name is not local): that is not a
token problem and raises `OllamaHostRefusedError`. Only the documented endpoints are used:
`GET /`, `/api/version`, `/api/tags`, `/api/ps`, and `POST /api/generate` with an empty prompt
to load a model or, with `keep_alive: 0`, to unload it.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Any, Final

from ..http_api import Answer, ApiClient, Errors
from .exceptions import (
    OllamaAuthenticationError,
    OllamaBusyError,
    OllamaConnectionError,
    OllamaHostRefusedError,
    OllamaInvalidResponseError,
    OllamaModelNotFoundError,
    OllamaResponseError,
)
from .models import InstalledModel, RunningModels, parse_installed, parse_version

# Loading a large model from disk into VRAM can take a minute.
LOAD_TIMEOUT: Final = 180.0


class OllamaClient(ApiClient):
    """Talks to one Ollama server."""

    service = "Ollama"
    errors = Errors(OllamaConnectionError, OllamaResponseError, OllamaInvalidResponseError)
    auth_scheme = "Bearer"

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        timeout: float | None = None,
        text: bool = False,
    ) -> tuple[Any, datetime | None]:
        answer = await self._http.request(method, path, body=body, timeout=timeout)
        status = answer.status
        if status == HTTPStatus.FORBIDDEN and not answer.text.strip():
            # allowedHostsMiddleware (server/routes.go): c.AbortWithStatus(403), no body.
            msg = (
                f"Ollama at {self.base_url} refused the host name {self.base_url.host!r}: it "
                "listens on 127.0.0.1 only; use its IP address, or set OLLAMA_HOST=0.0.0.0"
            )
            raise OllamaHostRefusedError(msg, status=status)
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            msg = f"Ollama at {self.base_url} refused the request ({status})"
            raise OllamaAuthenticationError(msg)
        if answer.is_error:
            raise _response_error(answer)
        if text:
            return answer.text, answer.server_time
        return self._http.json(answer), answer.server_time

    async def ping(self) -> str:
        """`GET /`: the banner (`Ollama is running`)."""
        banner, _ = await self._request("GET", "/", text=True)
        return str(banner).strip()

    async def version(self) -> str:
        """The server's version, e.g. `0.9.6`."""
        data, _ = await self._request("GET", "/api/version")
        return parse_version(data)

    async def installed_models(self) -> list[InstalledModel]:
        """Every model on disk (`GET /api/tags`)."""
        data, _ = await self._request("GET", "/api/tags")
        return parse_installed(data)

    async def running_models(self) -> RunningModels:
        """The models in memory (`GET /api/ps`), with the server's clock."""
        data, clock = await self._request("GET", "/api/ps")
        return RunningModels.from_dict(data, clock)

    async def load_model(self, model: str, *, keep_alive: int | None = None) -> None:
        """Load `model` into memory; `keep_alive` in seconds (negative: keep it loaded).

        Without `keep_alive` the server's default (`OLLAMA_KEEP_ALIVE`, 5 minutes) applies.
        """
        body: dict[str, Any] = {"model": _model_name(model)}
        if keep_alive is not None:
            body["keep_alive"] = keep_alive
        await self._request("POST", "/api/generate", body=body, timeout=LOAD_TIMEOUT)

    async def unload_model(self, model: str) -> None:
        """Unload `model` now (`keep_alive: 0`); it stays until its running requests finish.

        Unloading an installed model that is not loaded succeeds; a model that is not installed
        raises `OllamaModelNotFoundError` (404 `model '...' not found`).
        """
        await self._request(
            "POST", "/api/generate", body={"model": _model_name(model), "keep_alive": 0}
        )


def _model_name(model: str) -> str:
    name = model.strip()
    if not name:
        msg = "a model name is required"
        raise ValueError(msg)
    return name


def _response_error(answer: Answer) -> OllamaResponseError:
    payload = answer.payload
    detail = payload.get("error") if isinstance(payload, dict) else None
    status = answer.status
    message = str(detail) if detail else f"HTTP {status}"
    if status == HTTPStatus.NOT_FOUND and detail:
        return OllamaModelNotFoundError(message, status=status, payload=payload)
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        return OllamaBusyError(message, status=status, payload=payload)
    return OllamaResponseError(message, status=status, payload=payload)
