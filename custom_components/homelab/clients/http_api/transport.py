"""One HTTP transport for the lab's API clients, on an injected aiohttp session.

`fetch` sends one request and reads its answer (whole, as text, or only its first bytes), with a
total timeout; it lets aiohttp's errors through (the HTTP probe turns them into results).
`HttpTransport` binds it to one service: the base URL every path is appended to, the headers
sent with every request (credentials, `Accept`), the timeout, the server's clock (`Date`), and
the mapping of failures to the client's own errors (`Errors`): a timeout or an aiohttp error is a
connection error; an error status, a body that is not JSON, the client's response or
invalid-response error. What a status means beyond that (a refused key, a redirect to a login
page, a missing scope) differs between services and stays in each client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import json
import time
from typing import Any, Final

import aiohttp
from yarl import URL

from .exceptions import ApiConnectionError, ApiInvalidResponseError, ApiResponseError
from .parse import http_date

HTTP_REDIRECT: Final = 300
HTTP_ERROR: Final = 400
# A body that is not JSON is quoted this far in the error.
QUOTE: Final = 200

type Params = Mapping[str, str | int]


@dataclass(frozen=True, slots=True)
class Errors:
    """A client's own errors, which the transport raises for it."""

    connection: type[ApiConnectionError]
    response: type[ApiResponseError]
    invalid: type[ApiInvalidResponseError]


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer with its body read."""

    method: str
    path: str
    """The path asked for, as the errors name it."""
    status: int
    headers: Mapping[str, str]
    text: str = ""
    """The whole body (unless only its first bytes were read)."""
    head: bytes = b""
    """The body's first bytes, when the read was limited."""
    elapsed: float = 0.0
    """Seconds from sending the request to having read the body."""
    payload: Any = None
    """The body as JSON, leniently: `None` when it is empty, the text when it is not JSON."""
    is_json: bool = False
    """Whether the whole body is JSON (`payload` is what it decodes to)."""

    @property
    def server_time(self) -> datetime | None:
        """The server's clock when it answered (its `Date` header)."""
        return http_date(self.headers.get("Date"))

    @property
    def content_type(self) -> str:
        """The media type (`application/json`), lower case and without parameters; may be ''."""
        return self.headers.get("Content-Type", "").partition(";")[0].strip().lower()

    @property
    def location(self) -> str:
        """Where a redirect points ('' when it does not)."""
        return self.headers.get("Location", "")

    @property
    def is_redirect(self) -> bool:
        """A 3xx status."""
        return HTTP_REDIRECT <= self.status < HTTP_ERROR

    @property
    def is_error(self) -> bool:
        """A 4xx or 5xx status."""
        return self.status >= HTTP_ERROR


async def fetch(
    session: aiohttp.ClientSession,
    method: str,
    url: URL | str,
    *,
    timeout: float,
    path: str | None = None,
    headers: Mapping[str, str] | None = None,
    params: Params | None = None,
    body: Any = None,
    allow_redirects: bool = True,
    ssl: bool = True,
    limit: int | None = None,
) -> Answer:
    """Send one request and read the answer: whole as text, or its first `limit` bytes.

    `body` is sent as JSON. The timeout covers connecting, sending and reading the body.
    Raises `TimeoutError` and `aiohttp.ClientError` as aiohttp does.
    """
    started = time.monotonic()
    async with session.request(
        method,
        url,
        params=params,
        json=body,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=timeout),
        allow_redirects=allow_redirects,
        ssl=ssl,
    ) as response:
        text, head = "", b""
        if limit is None:
            text = await response.text()
        elif limit > 0:
            head = await response.content.read(limit)
        payload, is_json = _decode(text)
        return Answer(
            method=method,
            path=URL(url).path if path is None else path,
            status=response.status,
            headers=response.headers,
            text=text,
            head=head,
            elapsed=time.monotonic() - started,
            payload=payload,
            is_json=is_json,
        )


def _decode(text: str) -> tuple[Any, bool]:
    """The JSON in `text` and True; `None` for no text, or the text itself when it is not JSON."""
    if not text:
        return None, False
    try:
        return json.loads(text), True
    except ValueError:
        return text, False


class HttpTransport:
    """Requests to one service's HTTP API, failing with the client's own errors."""

    def __init__(
        self,
        url: str,
        *,
        session: aiohttp.ClientSession,
        service: str,
        errors: Errors,
        timeout: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Talk to `service` (its name in messages) at `url`, e.g. `http://nas.local:30068`."""
        self.base_url = URL(url.rstrip("/"))
        self.session = session
        self.service = service
        self.errors = errors
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.server_time: datetime | None = None
        """The server's clock at its last answer that carried one (`Date` header)."""

    def url(self, path: str) -> URL:
        """The base URL with `path` (already encoded) appended."""
        return URL(f"{self.base_url}{path}", encoded=True)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = True,
    ) -> Answer:
        """Send one request and read the whole answer; whatever its status, it is returned.

        A timeout or a failed connection raises the client's connection error.
        """
        try:
            answer = await fetch(
                self.session,
                method,
                self.url(path),
                path=path,
                headers={**self.headers, **(headers or {})},
                params=params,
                body=body,
                timeout=timeout or self.timeout,
                allow_redirects=allow_redirects,
            )
        except TimeoutError as err:
            msg = f"{self.service} at {self.base_url} did not answer in time"
            raise self.errors.connection(msg) from err
        except aiohttp.ClientError as err:
            msg = f"cannot reach {self.service} at {self.base_url}: {err.__class__.__name__}"
            raise self.errors.connection(msg) from err
        self.server_time = answer.server_time or self.server_time
        return answer

    def json(self, answer: Answer) -> Any:
        """The body as JSON, strictly: an empty body or any other text is the invalid error."""
        if not answer.is_json:
            raise self.not_json(answer)
        return answer.payload

    def not_json(self, answer: Answer) -> ApiInvalidResponseError:
        """The invalid-response error for a body that is not JSON (naming what it is instead)."""
        kind = answer.content_type
        said = f" ({kind})" if kind and not _is_json_type(kind) else ""
        msg = f"{answer.path}: the answer is not JSON{said}"
        return self.errors.invalid(msg, payload=answer.text[:QUOTE])

    def response_error(
        self,
        answer: Answer,
        detail: str | None = None,
        *,
        kind: type[ApiResponseError] | None = None,
    ) -> ApiResponseError:
        """The response error for an answer: `GET /path: HTTP 500[: detail]`, body kept."""
        msg = f"{answer.method} {answer.path}: HTTP {answer.status}"
        if detail is not None:
            msg = f"{msg}: {detail}"
        return (kind or self.errors.response)(msg, status=answer.status, payload=answer.payload)

    def check(
        self,
        answer: Answer,
        detail: str | None = None,
        *,
        kinds: Mapping[int, type[ApiResponseError]] | None = None,
    ) -> None:
        """Raise the response error for a 4xx or 5xx answer (`kinds`: a class per status)."""
        if answer.is_error:
            raise self.response_error(answer, detail, kind=(kinds or {}).get(answer.status))


def _is_json_type(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")
