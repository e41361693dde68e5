"""Hypothesis strategies for fuzzing the clients' parsers: arbitrary JSON, and real payloads
mutated field by field (kept, replaced by arbitrary JSON, or dropped), so that the fuzzing reaches
deep into every parser instead of failing at its first check.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings, strategies as st

# Deterministic by default (the gate must not flake); HOMELAB_FUZZ_EXAMPLES=5000 to dig deeper.
EXAMPLES = int(os.environ.get("HOMELAB_FUZZ_EXAMPLES", "120"))
settings.register_profile(
    "homelab",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("HOMELAB_FUZZ_RANDOM") is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("homelab")

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    # What json.loads accepts from a server: NaN and Infinity included.
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "-1", "1e999", "2026-11-01T12:00:00Z", "RUNNING", "*/0", "x@y"])
)
# Values that break naive parsers: non-finite and huge numbers, epoch times out of range.
NASTY = st.sampled_from(
    [float("inf"), float("-inf"), float("nan"), 1e20, -1e20, 2**64, -(2**63), 0, -1, "", "nan"]
)
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _mutation(draw: st.DrawFn, value: Any, depth: int) -> Any:
    # Draws shrink towards 0, so 0 keeps the real value: examples stay close to real payloads
    # (and reach the fields deep inside) while every field is sometimes broken or missing.
    if isinstance(value, dict) and depth < 6:
        result = {}
        for key, item in value.items():
            mode = draw(st.integers(0, 15))
            if mode == 15:
                continue
            if mode == 14:
                result[key] = draw(JSON | NASTY)
            else:
                result[key] = draw(_mutation(item, depth + 1))
        return result
    if isinstance(value, list) and depth < 6:
        if not value:
            return draw(st.lists(JSON, max_size=2))
        count = draw(st.integers(0, 3))
        return [draw(_mutation(value[index % len(value)], depth + 1)) for index in range(count)]
    mode = draw(st.integers(0, 7))
    if mode == 7:
        return draw(NASTY)
    if mode == 6:
        return draw(SCALARS)
    return value


def mutated(value: Any) -> st.SearchStrategy[Any]:
    """`value` with any part of it kept, changed (often to a nasty value) or dropped; or, now
    and then, anything at all."""
    return _mutation(value, 0) | _mutation(value, 0) | _mutation(value, 0) | JSON


def wire(value: Any) -> Any:
    """What a client sees after json.loads (EJSON dates as {"$date": ms})."""
    from labsim import ejson  # noqa: PLC0415 - only the payload builders need the simulator

    return json.loads(ejson.dumps(value))


def raises_only[T](
    call: Callable[[], T], allowed: type[BaseException] | tuple[type[BaseException], ...]
) -> T | None:
    """Run `call`; return its result, or None when it raised one of `allowed` (anything else
    propagates and fails the property)."""
    try:
        return call()
    except allowed:
        return None
