"""Scenario files: the lab a simulator starts from, loaded into typed dataclasses.

A scenario is a YAML or JSON mapping with ``schema: 1`` and these sections (all optional except
``system``): ``name``, ``settings``, ``system``, ``api_versions``, ``users``, ``pools``,
``datasets``, ``alerts``, ``jobs``. See ``labsim/scenarios/default.yaml`` for a commented example.

Conveniences for people writing scenarios:

* times may be relative to load time (``"-3d"``, ``"-2h30m"``, ``"now"``), ISO 8601 strings or
  epoch seconds, so the lab always looks current;
* sizes may be integers (bytes) or strings with a unit (``"12.5 GiB"``, ``"8 TB"``);
* a disk may be just its name (``sda``); partition, guid and partuuid are derived from it.

Unknown keys are errors (typos should not pass silently); new sections are added here, one
parser each, and ``SCHEMA_VERSION`` is raised when an old file would be read differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from datetime import UTC, datetime, timedelta
import hashlib
import importlib
import json
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any, Final
import uuid

from . import zfs

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SCHEMA_VERSION: Final = 1

POOL_STATES: Final = ("ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "UNAVAIL", "REMOVED", "SUSPENDED")
VDEV_TYPES: Final = ("RAIDZ1", "RAIDZ2", "RAIDZ3", "MIRROR", "STRIPE", "DISK")
TOPOLOGY_CATEGORIES: Final = ("data", "log", "cache", "spare", "special", "dedup")
ALERT_LEVELS: Final = ("INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY")
SCAN_FUNCTIONS: Final = ("SCRUB", "RESILVER")
SCAN_STATES: Final = ("SCANNING", "FINISHED", "CANCELED")
JOB_STATES: Final = ("WAITING", "RUNNING", "SUCCESS", "FAILED", "ABORTED")
API_KEY_RE: Final = re.compile(r"^(\d+)-[A-Za-z0-9]{64}$")
API_VERSION_RE: Final = re.compile(r"^v\d+\.\d+\.\d+$")

_NAMESPACE: Final = uuid.UUID("6f1d3c2e-8a44-4d0e-9b57-1a2b3c4d5e6f")
_RELATIVE_RE: Final = re.compile(r"^([+-])((?:\d+(?:\.\d+)?[smhdw])+)$")
_RELATIVE_PART_RE: Final = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_RE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?i?B?)\s*$", re.IGNORECASE)
_SIZE_UNITS: Final = {
    "": 1,
    "B": 1,
    "K": 1024,
    "KI": 1024,
    "KIB": 1024,
    "KB": 1000,
    "M": 1024**2,
    "MI": 1024**2,
    "MIB": 1024**2,
    "MB": 1000**2,
    "G": 1024**3,
    "GI": 1024**3,
    "GIB": 1024**3,
    "GB": 1000**3,
    "T": 1024**4,
    "TI": 1024**4,
    "TIB": 1024**4,
    "TB": 1000**4,
    "P": 1024**5,
    "PI": 1024**5,
    "PIB": 1024**5,
    "PB": 1000**5,
}
_DESCRIBE_MAX: Final = 60
DEFAULT_DISK_SIZE: Final = 4_000_000_000_000  # a pool without "size" gets 4 TB per data disk
DEFAULT_SCENARIO: Final = Path(__file__).with_name("scenarios") / "default.yaml"


class ScenarioError(ValueError):
    """A scenario file is missing, unreadable or invalid; the message says where."""


def stable_guid(*parts: str) -> str:
    """Return a ZFS-style decimal guid derived from ``parts`` (stable across runs)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)).int >> 65)


def stable_uuid(*parts: str) -> str:
    """Return a UUID string derived from ``parts`` (stable across runs)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


_CHOICES: Final = "scenario_choices"
_SIZE: Final = "scenario_size"


def one_of(choices: tuple[str, ...], default: str) -> Any:
    """A dataclass field the scenario gives as one of ``choices`` (any case; ``_Reader.fill``)."""
    return field(default=default, metadata={_CHOICES: choices})


def size_field(default: int | None = None) -> Any:
    """A dataclass field the scenario gives as a size (``"1 GiB"`` or bytes; ``_Reader.fill``)."""
    return field(default=default, metadata={_SIZE: True})


# ---------------------------------------------------------------- model


@dataclass(slots=True)
class Settings:
    """Knobs of the simulator itself (not of the simulated NAS)."""

    alert_delay_seconds: float = 0.0
    """Delay before health alerts appear or clear (real alert sources run about once a minute)."""
    scan_event_interval_seconds: float = 2.0
    """Interval of ``pool.scan`` events while a scrub runs (about 2 s on a real system)."""
    login_rate_limit: int = 20
    """Unauthenticated login calls allowed per method and origin within 60 s."""
    max_running_calls: int = 10
    """Calls that run at once per connection."""
    max_calls: int = 20
    """Calls in flight (running plus waiting) per connection; one more gets -32000."""


@dataclass(slots=True)
class SystemInfo:
    """What ``system.info`` reports."""

    hostname: str
    version: str
    buildtime: datetime
    boottime: datetime
    model: str = "Unknown CPU"
    cores: int = 4
    physical_cores: int = 2
    physmem: int = 8 * 1024**3
    loadavg: list[float] = field(default_factory=lambda: [0.1, 0.1, 0.1])
    timezone: str = "UTC"
    system_product: str | None = None
    system_product_version: str | None = None
    system_manufacturer: str | None = None
    system_serial: str | None = None
    ecc_memory: bool = False
    license: dict[str, Any] | None = None
    host_id: str = ""
    """What ``system.host_id`` returns (64 hex digits; derived from the hostname by default)."""


@dataclass(slots=True)
class ApiKey:
    """A user-linked API key; ``key`` is the full wire form ``<id>-<64 alnum>``."""

    id: int
    name: str
    key: str
    expires_at: datetime | None = None
    revoked: bool = False
    revoked_reason: str | None = None


@dataclass(slots=True)
class User:
    """A local account that may log in with API keys."""

    username: str
    roles: list[str] = field(default_factory=lambda: ["FULL_ADMIN"])
    api_keys: list[ApiKey] = field(default_factory=list)

    @property
    def api_key(self) -> str:
        """Return the wire form of the first API key (what a test logs in with)."""
        if not self.api_keys:
            msg = f"user {self.username!r} has no API key"
            raise AttributeError(msg)
        return self.api_keys[0].key


@dataclass(slots=True)
class Vdev:
    """A vdev or a leaf disk (``type == "DISK"``) of a pool topology."""

    type: str
    name: str
    guid: str
    status: str = "ONLINE"
    read_errors: int = 0
    write_errors: int = 0
    checksum_errors: int = 0
    size: int | None = None
    children: list[Vdev] = field(default_factory=list)
    disk: str | None = None
    device: str | None = None
    path: str | None = None
    serial: str | None = None
    model: str | None = None

    def leaves(self) -> list[Vdev]:
        """Return the leaf disks under (or equal to) this vdev."""
        if self.type == "DISK":
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


@dataclass(slots=True)
class Scan:
    """The last or current scrub/resilver of a pool."""

    function: str = "SCRUB"
    state: str = "FINISHED"
    start_time: datetime | None = None
    end_time: datetime | None = None
    percentage: float = 100.0
    bytes_to_process: int = 0
    bytes_processed: int = 0
    bytes_issued: int = 0
    pause: datetime | None = None
    errors: int = 0
    total_secs_left: int | None = None


@dataclass(slots=True)
class Pool:
    """A ZFS pool. ``boot`` pools are served by ``boot.get_state``, not ``pool.query``."""

    id: int
    name: str
    guid: str
    size: int
    allocated: int
    free: int
    topology: dict[str, list[Vdev]]
    path: str = ""
    status: str = "ONLINE"
    status_code: str | None = None
    status_detail: str | None = None
    warning: bool = False
    freeing: int = 0
    fragmentation: str = "0"
    autotrim: str = "off"
    dedup_table_size: int = 0
    dedup_table_quota: str = "auto"
    is_upgraded: bool = True
    scan: Scan | None = None
    boot: bool = False

    def leaves(self) -> list[Vdev]:
        """Return every leaf disk of every topology category."""
        return [leaf for vdevs in self.topology.values() for v in vdevs for leaf in v.leaves()]


@dataclass(slots=True)
class Dataset:
    """A ZFS dataset; ``used``/``available`` default from children and the pool."""

    name: str
    type: str = "FILESYSTEM"
    used: int | None = None
    available: int | None = None
    referenced: int | None = None
    quota: int = 0
    compression: str = "LZ4"
    encrypted: bool = False
    locked: bool = False
    """An encrypted dataset whose key is not loaded (``pool.dataset.unlock`` loads it)."""
    key_format: str = "HEX"
    """``PASSPHRASE`` or ``HEX`` (a raw key); only for encrypted datasets."""
    passphrase: str | None = None
    """What ``pool.dataset.unlock`` accepts (a passphrase, or the 64-digit hex key)."""
    properties: dict[str, Any] = field(default_factory=dict)
    user_properties: dict[str, str] = field(default_factory=dict)

    @property
    def pool(self) -> str:
        """Return the pool name (first path component)."""
        return self.name.split("/", 1)[0]


@dataclass(slots=True)
class AlertDef:
    """An alert as ``alert.list`` returns it."""

    uuid: str
    klass: str
    level: str
    formatted: str
    created_at: datetime
    args: Any = None
    text: str = "%s"
    source: str = ""
    key: str = ""
    node: str = "Controller A"
    dismissed: bool = False
    one_shot: bool = False
    last_occurrence: datetime | None = None


@dataclass(slots=True)
class JobDef:
    """A middleware job as ``core.get_jobs`` returns it."""

    id: int
    method: str
    arguments: list[Any] = field(default_factory=list)
    state: str = "SUCCESS"
    percent: int | None = 100
    description: str | None = None
    result: Any = None
    error: str | None = None
    time_started: datetime | None = None
    time_finished: datetime | None = None


@dataclass(slots=True)
class Scenario:
    """A whole lab: the simulated NAS and the simulator settings."""

    system: SystemInfo
    api_versions: list[str]
    name: str = "scenario"
    schema: int = SCHEMA_VERSION
    settings: Settings = field(default_factory=Settings)
    users: list[User] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    datasets: list[Dataset] = field(default_factory=list)
    alerts: list[AlertDef] = field(default_factory=list)
    jobs: list[JobDef] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)
    """Sections parsed by other modules (``SECTION_PARSERS``), e.g. ``apps``."""
    source: Path | None = None
    """The file it was loaded from (``POST /control/reset`` re-reads it)."""

    @property
    def current_version(self) -> str:
        """Return the newest API version (served at ``/api/current``)."""
        return max(self.api_versions, key=version_tuple)

    def section[SectionT](self, name: str, defaults: Callable[[], SectionT]) -> SectionT:
        """Return the section ``name`` (``defaults()`` when the scenario has none)."""
        found: SectionT | None = self.sections.get(name)
        return found if found is not None else defaults()


def version_tuple(version: str) -> tuple[int, ...]:
    """Turn ``"v25.10.2"`` or ``"25.10.2"`` into ``(25, 10, 2)`` for comparisons."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


# ---------------------------------------------------------------- value parsing


def parse_time(value: object, now: datetime) -> datetime:
    """Parse an absolute or relative (``"-3d4h"``) time; raise ``ValueError``/``TypeError``."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise TypeError(value)
    text = value.strip()
    if text == "now":
        return now
    if match := _RELATIVE_RE.match(text):
        seconds = sum(
            float(number) * _UNIT_SECONDS[unit]
            for number, unit in _RELATIVE_PART_RE.findall(match.group(2))
        )
        return now + timedelta(seconds=seconds if match.group(1) == "+" else -seconds)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_size(value: object) -> int:
    """Parse a size in bytes (``123``, ``"12.5 GiB"``, ``"8 TB"``); raise ``ValueError``/``TypeError``."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(value)
        return value
    if isinstance(value, str) and (match := _SIZE_RE.match(value)):
        unit = match.group(2).upper()
        if unit in _SIZE_UNITS:
            return int(float(match.group(1)) * _SIZE_UNITS[unit])
    raise ValueError(value)


class _Reader:
    """Typed access to one mapping of the scenario, with the path for error messages."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            msg = f"{path or 'scenario'}: expected a mapping, got {_describe(data)}"
            raise ScenarioError(msg)
        self.data: Mapping[str, Any] = data
        self.path = path
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        """Return the path of ``key`` for messages."""
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, expected: str, value: object) -> ScenarioError:
        """Return an error for ``key``."""
        return ScenarioError(f"{self.where(key)}: expected {expected}, got {_describe(value)}")

    def has(self, key: str) -> bool:
        """Return whether ``key`` is present (and mark it as known)."""
        self.used.add(key)
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        """Return the raw value of ``key``."""
        self.used.add(key)
        return self.data.get(key, default)

    def required(self, key: str) -> Any:
        """Return the raw value of a key that must be present."""
        if not self.has(key) or self.data[key] is None:
            msg = f"{self.where(key)}: required"
            raise ScenarioError(msg)
        return self.data[key]

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str:
        """Return a string (numbers are accepted and converted, YAML makes ``25.10`` a float)."""
        value = self.required(key) if required else self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, "a string", value)
        return str(value)

    def opt_text(self, key: str) -> str | None:
        """Return a string or ``None``."""
        return None if self.raw(key) is None else self.text(key)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        """Return one of ``choices`` (case-insensitive input, upper-case result)."""
        value = self.text(key, default).upper()
        if value not in choices:
            raise self.fail(key, f"one of {', '.join(choices)}", self.data[key])
        return value

    def integer(self, key: str, default: int = 0, *, required: bool = False) -> int:
        """Return an integer."""
        value = self.required(key) if required else self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "an integer", value)
        return value

    def number(self, key: str, default: float = 0.0) -> float:
        """Return a number."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, "a number", value)
        return float(value)

    def flag(self, key: str, *, default: bool = False) -> bool:
        """Return a boolean."""
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def size(self, key: str, default: int | None = None, *, required: bool = False) -> int:
        """Return a size in bytes."""
        value = self.required(key) if required else self.raw(key, default)
        try:
            return parse_size(value)
        except TypeError, ValueError:
            raise self.fail(key, "a size (bytes or e.g. '12.5 GiB')", value) from None

    def opt_size(self, key: str) -> int | None:
        """Return a size in bytes or ``None``."""
        return None if self.raw(key) is None else self.size(key)

    def time(self, key: str, now: datetime, default: object = None) -> datetime:
        """Return a time (absolute or relative to ``now``)."""
        value = self.raw(key, default)
        try:
            return parse_time(value, now)
        except TypeError, ValueError:
            raise self.fail(
                key, "a time ('-3d', 'now', ISO 8601 or epoch seconds)", value
            ) from None

    def opt_time(self, key: str, now: datetime) -> datetime | None:
        """Return a time or ``None``."""
        return None if self.raw(key) is None else self.time(key, now)

    def seq(self, key: str) -> list[Any]:
        """Return a list (missing means empty)."""
        value = self.raw(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "a list", value)
        return value

    def durations(self, key: str, defaults: Mapping[str, float]) -> dict[str, float]:
        """A mapping of seconds by name, each name of ``defaults`` defaulting to its value there."""
        seconds = dict(defaults)
        if self.has(key):
            child = self.child(key, self.mapping(key))
            for name, default in defaults.items():
                seconds[name] = child.number(name, default)
            child.finish()
        return seconds

    def mapping(self, key: str) -> dict[str, Any]:
        """Return a mapping (missing means empty)."""
        value = self.raw(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(key, "a mapping", value)
        return dict(value)

    def child(self, key: str, value: object) -> _Reader:
        """Return a reader for a nested mapping."""
        return _Reader(value, self.where(key))

    def items(self, key: str) -> list[_Reader]:
        """Return readers for a list of mappings."""
        path = self.where(key)
        return [_Reader(item, f"{path}[{index}]") for index, item in enumerate(self.seq(key))]

    def fill[DataclassT: DataclassInstance](
        self, cls: type[DataclassT], given: Mapping[str, Any] | None = None, /, **defaults: Any
    ) -> DataclassT:
        """Build ``cls`` from this mapping, each field read as declared, then ``finish``.

        A field is read by its type (``str``, ``int``, ``float``, ``bool``, ``str | None``,
        ``dict[str, Any]``) or as declared by ``one_of`` / ``size_field``; one without a default
        is required. ``given`` holds the fields the caller read its own way (through this reader,
        so under their own keys); ``defaults`` replace declared defaults (e.g. an id from the
        position in a list).
        """
        given = given or {}
        values = {
            spec.name: given[spec.name]
            if spec.name in given
            else self._field(spec, defaults.get(spec.name, spec.default))
            for spec in fields(cls)
        }
        self.finish()
        return cls(**values)

    def _field(self, spec: Field[Any], default: Any) -> Any:
        key, kind = spec.name, spec.type
        if kind == "dict[str, Any]" and spec.default_factory is dict:
            return self.mapping(key)
        if spec.default_factory is not MISSING:
            msg = f"{spec.name}: fill reads plain fields, not {kind}"
            raise TypeError(msg)
        required = default is MISSING
        if _CHOICES in spec.metadata:
            return self.choice(key, spec.metadata[_CHOICES], default)
        if _SIZE in spec.metadata:
            return self.opt_size(key) if default is None else self.size(key, default)
        if kind in ("str", "str | None"):
            if default is None:
                return self.opt_text(key)
            return self.text(key, None if required else default, required=required)
        if kind == "int":
            return self.integer(key, 0 if required else default, required=required)
        if kind in ("float", "float | None") and not required:
            return self.number(key, default)
        if kind == "bool" and not required:
            return self.flag(key, default=default)
        msg = f"{spec.name}: fill cannot read {kind}"
        raise TypeError(msg)

    def finish(self) -> None:
        """Reject keys nobody asked for (typos)."""
        unknown = sorted(str(key) for key in self.data if key not in self.used)
        if unknown:
            allowed = ", ".join(sorted(self.used))
            msg = (
                f"{self.path or 'scenario'}: unknown key(s) {', '.join(unknown)} (known: {allowed})"
            )
            raise ScenarioError(msg)


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > _DESCRIBE_MAX:
        text = text[: _DESCRIBE_MAX - 3] + "..."
    return f"{type(value).__name__} {text}"


# ---------------------------------------------------------------- sections


def _settings(reader: _Reader) -> Settings:
    settings = reader.fill(Settings)
    if settings.scan_event_interval_seconds <= 0:
        msg = f"{reader.where('scan_event_interval_seconds')}: must be positive"
        raise ScenarioError(msg)
    if settings.max_running_calls < 1 or settings.max_calls < settings.max_running_calls:
        msg = f"{reader.path}: need 1 <= max_running_calls <= max_calls"
        raise ScenarioError(msg)
    return settings


def _system(reader: _Reader, now: datetime) -> SystemInfo:
    loadavg = reader.seq("loadavg") or [0.1, 0.1, 0.1]
    if len(loadavg) != 3 or not all(  # noqa: PLR2004 - 1, 5 and 15 minutes
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in loadavg
    ):
        raise reader.fail("loadavg", "three numbers", loadavg)
    system = SystemInfo(
        hostname=reader.text("hostname", required=True),
        version=reader.text("version", required=True),
        buildtime=reader.time("buildtime", now, "-30d"),
        boottime=reader.time("boottime", now, "-1d"),
        model=reader.text("model", "Unknown CPU"),
        cores=reader.integer("cores", 4),
        physical_cores=reader.integer("physical_cores", max(1, reader.integer("cores", 4) // 2)),
        physmem=reader.size("physmem", 8 * 1024**3),
        loadavg=[float(x) for x in loadavg],
        timezone=reader.text("timezone", "UTC"),
        system_product=reader.opt_text("system_product"),
        system_product_version=reader.opt_text("system_product_version"),
        system_manufacturer=reader.opt_text("system_manufacturer"),
        system_serial=reader.opt_text("system_serial"),
        ecc_memory=reader.flag("ecc_memory"),
        license=reader.mapping("license") or None,
    )
    system.host_id = reader.text("host_id", hashlib.sha256(system.hostname.encode()).hexdigest())
    reader.finish()
    return system


def _api_versions(reader: _Reader, system: SystemInfo) -> list[str]:
    versions = reader.seq("api_versions")
    if not versions:
        if not API_VERSION_RE.match(f"v{system.version}"):
            msg = f"api_versions: required when system.version ({system.version!r}) is not like 25.10.2"
            raise ScenarioError(msg)
        versions = [f"v{system.version}"]
    for index, version in enumerate(versions):
        if not isinstance(version, str) or not API_VERSION_RE.match(version):
            msg = f"api_versions[{index}]: expected a version like 'v25.10.2', got {version!r}"
            raise ScenarioError(msg)
    if len(set(versions)) != len(versions):
        msg = "api_versions: duplicate versions"
        raise ScenarioError(msg)
    return sorted(versions, key=version_tuple)


def _api_key(reader: _Reader, username: str, now: datetime) -> ApiKey:
    key = reader.text("key", required=True)
    match = API_KEY_RE.match(key)
    if not match:
        msg = f"{reader.where('key')}: expected '<id>-<64 letters/digits>', got {key[:12]!r}..."
        raise ScenarioError(msg)
    key_id = reader.integer("id", int(match.group(1)))
    if key_id != int(match.group(1)):
        msg = f"{reader.where('key')}: the key starts with {match.group(1)}- but id is {key_id}"
        raise ScenarioError(msg)
    api_key = ApiKey(
        id=key_id,
        name=reader.text("name", f"{username}-key-{key_id}"),
        key=key,
        expires_at=reader.opt_time("expires_at", now),
        revoked=reader.flag("revoked"),
        revoked_reason=reader.opt_text("revoked_reason"),
    )
    reader.finish()
    return api_key


def _users(readers: list[_Reader], now: datetime) -> list[User]:
    users: list[User] = []
    key_ids: set[int] = set()
    for reader in readers:
        username = reader.text("username", required=True)
        roles = reader.seq("roles") or ["FULL_ADMIN"]
        if not all(isinstance(role, str) for role in roles):
            raise reader.fail("roles", "a list of role names", roles)
        keys = [_api_key(item, username, now) for item in reader.items("api_keys")]
        reader.finish()
        for key in keys:
            if key.id in key_ids:
                msg = f"{reader.path}: API key id {key.id} is used twice"
                raise ScenarioError(msg)
            key_ids.add(key.id)
        if any(user.username == username for user in users):
            msg = f"{reader.path}: duplicate username {username!r}"
            raise ScenarioError(msg)
        users.append(User(username=username, roles=[r.upper() for r in roles], api_keys=keys))
    return users


def _device(disk: str, partition: int) -> str:
    # Linux partition naming: sda -> sda1, nvme0n1 -> nvme0n1p1.
    return f"{disk}p{partition}" if disk[-1].isdigit() else f"{disk}{partition}"


def _disk(item: object, path: str, pool: str, partition: int) -> Vdev:
    reader = _Reader({"disk": item} if isinstance(item, str) else item, path)
    disk = reader.text("disk", required=True)
    reader.has("type")
    partuuid = reader.text("name", stable_uuid(pool, disk, "partuuid"))
    leaf = Vdev(
        type="DISK",
        name=partuuid,
        guid=reader.text("guid", stable_guid(pool, disk)),
        status=reader.choice("status", POOL_STATES, "ONLINE"),
        read_errors=reader.integer("read_errors"),
        write_errors=reader.integer("write_errors"),
        checksum_errors=reader.integer("checksum_errors"),
        size=reader.opt_size("size"),
        disk=disk,
        device=reader.text("device", _device(disk, partition)),
        path=reader.text("path", f"/dev/disk/by-partuuid/{partuuid}"),
        serial=reader.opt_text("serial"),
        model=reader.opt_text("model"),
    )
    reader.finish()
    return leaf


def _vdev(reader: _Reader, pool: str, category: str, index: int, partition: int) -> Vdev:
    vdev_type = reader.choice("type", VDEV_TYPES, "DISK" if reader.has("disk") else "STRIPE")
    if vdev_type == "DISK":
        return _disk(dict(reader.data), reader.path, pool, partition)
    disks = reader.seq("disks")
    if not disks:
        raise reader.fail("disks", "a non-empty list of disks", disks)
    name = reader.text("name", f"{vdev_type.lower()}-{index}")
    children = [
        _disk(item, f"{reader.where('disks')}[{i}]", pool, partition)
        for i, item in enumerate(disks)
    ]
    minimum = {"MIRROR": 2, "RAIDZ1": 2, "RAIDZ2": 3, "RAIDZ3": 4}.get(vdev_type, 1)
    if len(children) < minimum:
        raise reader.fail("disks", f"at least {minimum} disks for {vdev_type}", disks)
    vdev = Vdev(
        type=vdev_type,
        name=name,
        guid=reader.text("guid", stable_guid(pool, category, name)),
        children=children,  # the vdev state is computed from them (zfs.refresh)
    )
    reader.finish()
    if vdev_type == "STRIPE":
        # A stripe is not a vdev in ZFS: each disk is a top-level vdev of its own.
        msg = f"{reader.path}: use one 'type: DISK' entry per disk instead of STRIPE"
        raise ScenarioError(msg)
    return vdev


def _scan(reader: _Reader, now: datetime) -> Scan:
    scan = Scan(
        function=reader.choice("function", SCAN_FUNCTIONS, "SCRUB"),
        state=reader.choice("state", SCAN_STATES, "FINISHED"),
        start_time=reader.opt_time("start_time", now),
        end_time=reader.opt_time("end_time", now),
        percentage=reader.number("percentage", 100.0),
        bytes_to_process=reader.size("bytes_to_process", 0),
        bytes_processed=reader.size("bytes_processed", 0),
        bytes_issued=reader.size("bytes_issued", 0),
        pause=reader.opt_time("pause", now),
        errors=reader.integer("errors"),
        total_secs_left=reader.raw("total_secs_left"),
    )
    reader.finish()
    return scan


def parse_pool(data: object, path: str, now: datetime, default_id: int = 1) -> Pool:
    """Parse one pool mapping (also used by ``POST /control/pool``)."""
    reader = _Reader(data, path)
    name = reader.text("name", required=True)
    if not name or any(ch.isspace() for ch in name):
        raise reader.fail("name", "a pool name without whitespace", name)
    boot = reader.flag("boot")
    partition = 3 if boot else 1  # TrueNAS puts the boot pool on partition 3
    topology_data = reader.mapping("topology")
    if reader.has("disks"):
        # Shorthand: "disks: [sde, sdf]" is a stripe, one DISK vdev per disk.
        if topology_data:
            raise reader.fail(
                "disks", "either 'disks' or 'topology', not both", reader.raw("disks")
            )
        topology_data = {"data": [{"type": "DISK", "disk": d} for d in reader.seq("disks")]}
    topology_reader = reader.child("topology", topology_data)
    topology: dict[str, list[Vdev]] = {}
    for category in TOPOLOGY_CATEGORIES:
        topology[category] = [
            _vdev(item, name, category, index, partition)
            for index, item in enumerate(topology_reader.items(category))
        ]
    topology_reader.finish()
    if not topology["data"]:
        msg = f"{reader.where('topology')}.data: a pool needs at least one data vdev"
        raise ScenarioError(msg)
    leaves = [leaf for vdev in topology["data"] for leaf in vdev.leaves()]
    size = reader.size("size", DEFAULT_DISK_SIZE * len(leaves))
    allocated = reader.size("allocated", 0)
    if allocated > size:
        raise reader.fail("allocated", f"at most size ({size})", allocated)
    scan_data = reader.raw("scan")
    pool = Pool(
        id=reader.integer("id", default_id),
        name=name,
        guid=reader.text("guid", stable_guid(name)),
        path=reader.text("path", f"/mnt/{name}"),
        size=size,
        allocated=allocated,
        free=reader.size("free", size - allocated),
        freeing=reader.size("freeing", 0),
        fragmentation=reader.text("fragmentation", "0"),
        autotrim=reader.text("autotrim", "off").lower(),
        dedup_table_size=reader.size("dedup_table_size", 0),
        dedup_table_quota=reader.text("dedup_table_quota", "auto"),
        is_upgraded=reader.flag("is_upgraded", default=True),
        status=reader.choice("status", POOL_STATES, "ONLINE"),
        status_code=reader.opt_text("status_code"),
        status_detail=reader.opt_text("status_detail"),
        warning=reader.flag("warning"),
        scan=None if scan_data is None else _scan(reader.child("scan", scan_data), now),
        topology=topology,
        boot=boot,
    )
    reader.finish()
    computed = zfs.refresh(pool)
    if "status" not in reader.data:
        # Without an explicit state the pool state follows from its disks, as in ZFS.
        pool.status = computed
    return pool


def _pools(readers: list[_Reader], now: datetime) -> list[Pool]:
    pools: list[Pool] = []
    for index, reader in enumerate(readers):
        pool = parse_pool(reader.data, reader.path, now, default_id=index + 1)
        if any(other.name == pool.name for other in pools):
            msg = f"{reader.path}: duplicate pool name {pool.name!r}"
            raise ScenarioError(msg)
        if any(other.id == pool.id and not other.boot and not pool.boot for other in pools):
            msg = f"{reader.path}: duplicate pool id {pool.id}"
            raise ScenarioError(msg)
        pools.append(pool)
    if sum(pool.boot for pool in pools) > 1:
        msg = "pools: at most one pool may have 'boot: true'"
        raise ScenarioError(msg)
    return pools


def _datasets(readers: list[_Reader], pools: list[Pool]) -> list[Dataset]:
    datasets: list[Dataset] = []
    pool_names = {pool.name for pool in pools}
    for reader in readers:
        dataset = Dataset(
            name=reader.text("name", required=True).strip("/"),
            type=reader.choice("type", ("FILESYSTEM", "VOLUME"), "FILESYSTEM"),
            used=reader.opt_size("used"),
            available=reader.opt_size("available"),
            referenced=reader.opt_size("referenced"),
            quota=reader.size("quota", 0),
            compression=reader.text("compression", "LZ4").upper(),
            encrypted=reader.flag("encrypted"),
            locked=reader.flag("locked"),
            key_format=reader.choice("key_format", ("PASSPHRASE", "HEX"), "HEX"),
            passphrase=reader.opt_text("passphrase"),
            properties=reader.mapping("properties"),
            user_properties={str(k): str(v) for k, v in reader.mapping("user_properties").items()},
        )
        reader.finish()
        if dataset.pool not in pool_names:
            raise reader.fail(
                "name", f"a dataset in one of the pools {sorted(pool_names)}", dataset.name
            )
        if any(other.name == dataset.name for other in datasets):
            msg = f"{reader.path}: duplicate dataset {dataset.name!r}"
            raise ScenarioError(msg)
        datasets.append(dataset)
    return datasets


class _SafeDict(dict[str, Any]):
    """Leaves unknown ``%(name)s`` placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return f"%({key})s"


def format_alert_text(text: str, args: object) -> str:
    """Format an alert text the way the middleware does (``text % args``)."""
    try:
        if isinstance(args, Mapping):
            return text % _SafeDict(args)
        if args is None:
            return text
        return text % (tuple(args) if isinstance(args, list) else args)
    except TypeError, ValueError:
        return text


def parse_alert(reader: _Reader, now: datetime, index: int) -> AlertDef:
    """Parse one alert mapping (also used by ``POST /control/alerts``)."""
    klass = reader.text("klass", required=True)
    args = reader.raw("args")
    text = reader.text("text", "%s" if not isinstance(args, Mapping) else "")
    formatted = reader.opt_text("formatted")
    if formatted is None:
        if not text:
            msg = f"{reader.path}: give 'formatted' or 'text' (with 'args')"
            raise ScenarioError(msg)
        formatted = format_alert_text(text, args)
    key = reader.text("key", json.dumps(args, sort_keys=True, default=str))
    moment = reader.time("datetime", now, "now")
    alert = AlertDef(
        uuid=reader.text("uuid", stable_uuid("alert", klass, key, str(index))),
        klass=klass,
        source=reader.text("source", klass),
        level=reader.choice("level", ALERT_LEVELS, "WARNING"),
        args=args,
        text=text or formatted,
        formatted=formatted,
        key=key,
        node=reader.text("node", "Controller A"),
        created_at=moment,
        last_occurrence=reader.time("last_occurrence", now, moment),
        dismissed=reader.flag("dismissed"),
        one_shot=reader.flag("one_shot"),
    )
    reader.finish()
    return alert


def alert_from_mapping(data: object, now: datetime | None = None) -> AlertDef:
    """Parse one alert given as a mapping (``POST /control/alerts``)."""
    return parse_alert(_Reader(data, "alert"), now or datetime.now(UTC), 0)


def _jobs(readers: list[_Reader], now: datetime) -> list[JobDef]:
    jobs: list[JobDef] = []
    for index, reader in enumerate(readers):
        job = JobDef(
            id=reader.integer("id", index + 1),
            method=reader.text("method", required=True),
            arguments=reader.seq("arguments"),
            state=reader.choice("state", JOB_STATES, "SUCCESS"),
            percent=reader.integer("percent", 100),
            description=reader.opt_text("description"),
            result=reader.raw("result"),
            error=reader.opt_text("error"),
            time_started=reader.opt_time("time_started", now),
            time_finished=reader.opt_time("time_finished", now),
        )
        reader.finish()
        if any(other.id == job.id for other in jobs):
            msg = f"{reader.path}: duplicate job id {job.id}"
            raise ScenarioError(msg)
        jobs.append(job)
    return jobs


# Top-level sections owned by other simulator modules (apps, backups, services): each module
# registers its `parser(reader, now)` with `@section_parser(name)`; `Scenario.sections[name]`
# holds the result.
type SectionParser = Callable[[_Reader, datetime], Any]
SECTION_PARSERS: dict[str, SectionParser] = {}


def section_parser[ParserT: SectionParser](
    name: str, *, optional: bool = False
) -> Callable[[ParserT], ParserT]:
    """Register the decorated function as the parser of the top-level section ``name``.

    An ``optional`` section (a service a lab may go without) is ``None`` when it is absent or
    empty; its parser only sees one that is there.
    """

    def register(parser: ParserT) -> ParserT:
        SECTION_PARSERS[name] = _when_present(parser) if optional else parser
        return parser

    return register


def _when_present(parser: SectionParser) -> SectionParser:
    def parse(reader: _Reader, now: datetime) -> Any:
        return parser(reader, now) if reader.data else None

    return parse


def parse_scenario(
    data: object, *, source: Path | None = None, now: datetime | None = None
) -> Scenario:
    """Build a ``Scenario`` from already decoded YAML/JSON data."""
    now = now or datetime.now(UTC)
    reader = _Reader(data, "")
    schema = reader.integer("schema", SCHEMA_VERSION)
    if schema != SCHEMA_VERSION:
        msg = f"schema: this simulator reads schema {SCHEMA_VERSION}, the file has {schema}"
        raise ScenarioError(msg)
    system = _system(reader.child("system", reader.required("system")), now)
    pools = _pools(reader.items("pools"), now)
    scenario = Scenario(
        schema=schema,
        name=reader.text("name", source.stem if source else "scenario"),
        settings=_settings(reader.child("settings", reader.mapping("settings"))),
        system=system,
        api_versions=_api_versions(reader, system),
        users=_users(reader.items("users"), now),
        pools=pools,
        datasets=_datasets(reader.items("datasets"), pools),
        alerts=[parse_alert(item, now, i) for i, item in enumerate(reader.items("alerts"))],
        jobs=_jobs(reader.items("jobs"), now),
        sections={
            name: parser(reader.child(name, reader.mapping(name)), now)
            for name, parser in SECTION_PARSERS.items()
        },
        source=source,
    )
    reader.finish()
    return scenario


def _yaml_loader() -> Callable[[str], object]:
    # PyYAML ships without type stubs in Home Assistant's environment; import it dynamically so
    # `mypy --strict` needs no stub package.
    yaml = importlib.import_module("yaml")
    loader: Callable[[str], object] = yaml.safe_load
    return loader


def load_scenario(source: str | Path | Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario from a YAML/JSON file or a mapping (``None``: the default lab)."""
    if isinstance(source, Mapping):
        return parse_scenario(source)
    path = Path(source) if source is not None else DEFAULT_SCENARIO
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        msg = f"{path}: cannot read scenario: {err.strerror or err}"
        raise ScenarioError(msg) from err
    try:
        data = json.loads(text) if path.suffix == ".json" else _yaml_loader()(text)
    except ValueError as err:  # json.JSONDecodeError
        msg = f"{path}: invalid JSON: {err}"
        raise ScenarioError(msg) from err
    except Exception as err:  # yaml.YAMLError has no typed import here
        msg = f"{path}: invalid YAML: {err}"
        raise ScenarioError(msg) from err
    try:
        return parse_scenario(data, source=path)
    except ScenarioError as err:
        msg = f"{path}: {err}"
        raise ScenarioError(msg) from None
