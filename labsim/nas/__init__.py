"""The NAS's own devices (issue 12): disks, VMs, containers, services, update, power, reporting.

``section.py`` is the scenario section ``nas``, ``lab.py`` the devices of one lab (``nas_of``),
``entries.py`` their API shapes per release, ``power.py`` reboot and shutdown, ``reporting.py``
the ``reporting.realtime`` event source, ``control.py`` the ``/control/nas/...`` routes. The
method handlers are the ``labsim.api`` modules ``disk``, ``reporting``, ``vm``, ``virt_instance``,
``container``, ``service``, ``update``, ``certificate`` and ``system``.
"""

from __future__ import annotations

from .lab import NasLab, nas_of
from .section import NasSection

__all__ = ["NasLab", "NasSection", "nas_of"]
