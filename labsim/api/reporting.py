"""``reporting``: the ``reporting.realtime`` event source (it lives in ``labsim.nas``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import labsim.nas.reporting  # noqa: F401 - registers the event source
from labsim.rpc import MethodTable

METHODS: Final = MethodTable()
EVENTS: Final[Mapping[str, str | None]] = {"reporting.realtime": "REPORTING_READ"}
