"""The final health check of the fault suite (runs last in this directory).

Every test above ran under the log guard (conftest.py): all loggers at DEBUG, each record
checked. Here, over the whole suite: no secret was logged, no traceback came from
`custom_components.homelab`, and the guard really saw the integration's debug output.
"""

from __future__ import annotations

import pytest

from .conftest import REPORT


def test_no_traceback_and_no_secret_in_the_whole_suite() -> None:
    if REPORT.tests <= 1:
        pytest.skip("run with the rest of the fault suite")
    assert not REPORT.leaks, REPORT.leaks
    assert not REPORT.tracebacks, [test for test, _, _ in REPORT.tracebacks]
    assert REPORT.ours_debug > 100, "the guard did not see the integration's debug logs"
    assert REPORT.records > REPORT.ours_debug
