"""labsim: a faithful fake TrueNAS SCALE server (JSON-RPC 2.0 over WebSocket) for tests and demos.

>>> from labsim import LabSimulator, load_scenario
>>> async with LabSimulator(load_scenario()) as sim:   # doctest: +SKIP
...     print(sim.url, sim.ca_file, sim.control_url)
"""

from .scenario import Scenario, ScenarioError, load_scenario
from .server import ControlError, LabSimulator

__all__ = ["ControlError", "LabSimulator", "Scenario", "ScenarioError", "load_scenario"]
