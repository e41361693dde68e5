"""The NAS's devices in the shapes of each release (``disk.query``, ``vm.query``, ...).

Shapes follow the middleware's models (TS-25.04.2.6 legacy schemas, TS-25.10.6 and
TS-26.0.0-BETA.3 pydantic models): ``DiskEntry`` gained ``sed`` in 26 and lost ``togglesmart``,
``smartoptions``, ``critical``/``difference``/``informational`` and ``supports_smart`` in 25.10;
``VirtInstanceEntry`` gained ``privileged_mode`` in 25.10; ``SystemGeneralEntry.ui_certificate``
became an id (with ``ui_certificate_name``) in 26.
"""

from __future__ import annotations

from datetime import UTC, datetime
import hashlib
from typing import Any, Final

from .lab import Disk, NasLab
from .section import CertificateDef, ContainerDef, ServiceDef, VMDef

SECRET: Final = "********"  # noqa: S105 - the placeholder, not a secret
CERT_TIME: Final = "%a %b %d %H:%M:%S %Y"


def disk_identifier(serial: str | None, name: str, lunid: str | None = None) -> str:
    """A disk's ``identifier`` as the middleware's ``dev_to_ident`` builds it (25.04-26).

    ``{serial_lunid}`` needs both; a serial alone gives ``{serial}``; without one, a real box tries
    a ZFS partition's UUID (``{uuid}``, not simulated) before the device name.
    """
    if serial and lunid:
        return f"{{serial_lunid}}{serial}_{lunid}"
    if serial:
        return f"{{serial}}{serial}"
    return f"{{devicename}}{name}"


def disk_entry(disk: Disk, box: tuple[int, ...]) -> dict[str, Any]:
    """A ``disk.query`` item as API version ``box`` shapes it."""
    spec = disk.spec
    entry: dict[str, Any] = {
        "identifier": disk_identifier(spec.serial, spec.name),
        "name": spec.name,
        "subsystem": "nvme" if spec.name.startswith("nvme") else "scsi",
        "number": disk.number,
        "serial": spec.serial or "",
        "lunid": None,
        "size": spec.size,
        "description": "",
        "transfermode": "Auto",
        "hddstandby": spec.hddstandby,
        "advpowermgmt": spec.advpowermgmt,
        "expiretime": None,
        "model": spec.model,
        "rotationrate": spec.rotationrate,
        "type": spec.type,
        "zfs_guid": disk.zfs_guid,
        "bus": "NVME" if spec.name.startswith("nvme") else spec.bus,
        "devname": spec.name,
        "enclosure": None,
        "pool": disk.pool,
    }
    if box < (25, 10):
        entry.update(
            togglesmart=True,
            smartoptions="",
            critical=None,
            difference=None,
            informational=None,
            supports_smart=None,
        )
    if box >= (26,):
        entry["sed"] = False
    return entry


def smart_result(disk: Disk) -> dict[str, Any]:
    """A ``smart.test.results`` item (25.04)."""
    tests = [
        {
            "num": number,
            "description": test.description,
            "status": test.status,
            "status_verbose": test.status_verbose,
            "segment_number": None,
            "remaining": 0.0,
            "lifetime": test.lifetime,
            "lba_of_first_error": None,
        }
        for number, test in enumerate(disk.spec.smart_tests, start=1)
    ]
    return {"disk": disk.name, "tests": tests, "current_test": None}


def vm_status(vm: VMDef) -> dict[str, Any]:
    """``vm.status`` (and ``status`` of a ``vm.query`` item)."""
    running = vm.state == "RUNNING"
    return {
        "state": vm.state,
        "pid": 4000 + vm.id if running else None,
        "domain_state": "RUNNING" if running else "SHUTOFF",
    }


def vm_entry(vm: VMDef, *, devices: bool = True) -> dict[str, Any]:
    """A ``vm.query`` item (the events leave out ``devices``)."""
    entry: dict[str, Any] = {
        "id": vm.id,
        "name": vm.name,
        "description": vm.description,
        "vcpus": vm.vcpus,
        "cores": vm.cores,
        "threads": vm.threads,
        "cpu_mode": "CUSTOM",
        "cpu_model": None,
        "cpuset": None,
        "nodeset": None,
        "enable_cpu_topology_extension": False,
        "pin_vcpus": False,
        "suspend_on_snapshot": False,
        "trusted_platform_module": False,
        "memory": vm.memory,
        "min_memory": None,
        "hyperv_enlightenments": False,
        "bootloader": "UEFI",
        "bootloader_ovmf": "OVMF_CODE.fd",
        "autostart": vm.autostart,
        "hide_from_msr": False,
        "ensure_display_device": True,
        "time": "LOCAL",
        "shutdown_timeout": vm.shutdown_timeout,
        "arch_type": None,
        "machine_type": None,
        "uuid": hashlib.md5(f"vm-{vm.id}-{vm.name}".encode(), usedforsecurity=False).hexdigest(),
        "command_line_args": "",
        "display_available": False,
        "enable_secure_boot": False,
        "status": vm_status(vm),
    }
    if devices:
        entry["devices"] = []
    return entry


def instance_entry(container: ContainerDef, box: tuple[int, ...]) -> dict[str, Any]:
    """A ``virt.instance.query`` item (25.04, 25.10): the id is the name."""
    entry: dict[str, Any] = {
        "id": container.name,
        "name": container.name,
        "type": "CONTAINER",
        "status": container.state,
        "cpu": container.cpu,
        "memory": container.memory,
        "autostart": container.autostart,
        "environment": {},
        "aliases": [],
        "image": {
            "architecture": "amd64",
            "description": container.image,
            "os": container.image.split("/", 1)[0],
            "release": container.image.rsplit("/", 1)[-1],
            "serial": "20250101_05:24",
            "type": "container",
            "variant": "default",
            "secureboot": None,
        },
        "userns_idmap": None,
        "raw": None,
        "vnc_enabled": False,
        "vnc_port": None,
        "vnc_password": None,
        "secure_boot": None,
        "privileged_mode": False,
        "root_disk_size": None,
        "root_disk_io_bus": None,
        "storage_pool": "tank",
    }
    if box < (25, 10):
        del entry["privileged_mode"]
    return entry


def container_entry(container: ContainerDef) -> dict[str, Any]:
    """A ``container.query`` item (26)."""
    running = container.state == "RUNNING"
    return {
        "id": container.id,
        "uuid": hashlib.md5(
            f"ct-{container.id}-{container.name}".encode(), usedforsecurity=False
        ).hexdigest(),
        "name": container.name,
        "description": "",
        "devices": [],
        "cpuset": container.cpu,
        "autostart": container.autostart,
        "time": "LOCAL",
        "shutdown_timeout": 90,
        "dataset": f"tank/.truenas_containers/containers/{container.name}",
        "init": "/sbin/init",
        "initdir": None,
        "initenv": {},
        "inituser": None,
        "initgroup": None,
        "idmap": {"type": "DEFAULT"},
        "capabilities_policy": "DEFAULT",
        "capabilities_state": {},
        "default_network": None,
        "status": {
            "state": container.state,
            "pid": 6000 + container.id if running else None,
            "domain_state": "RUNNING" if running else "SHUTOFF",
        },
    }


def service_entry(service: ServiceDef) -> dict[str, Any]:
    """A ``service.query`` item."""
    running = service.state == "RUNNING"
    return {
        "id": service.id,
        "service": service.service,
        "enable": service.enable,
        "state": service.state,
        "pids": [1000 + service.id] if running else [],
    }


def _cert_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(CERT_TIME)


def certificate_entry(
    cert: CertificateDef, now: datetime, *, expose_secrets: bool
) -> dict[str, Any]:
    """A ``certificate.query`` item (``privatekey`` redacted unless the caller may see it)."""
    lifetime = (cert.until - cert.valid_from).days
    dn = f"/CN={cert.common}"
    return {
        "id": cert.id,
        "type": 8,
        "name": cert.name,
        "certificate": f"-----BEGIN CERTIFICATE-----\n{cert.name}\n-----END CERTIFICATE-----\n",
        "privatekey": "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"
        if expose_secrets
        else SECRET,
        "CSR": None,
        "acme_uri": None,
        "domains_authenticators": None,
        "renew_days": None,
        "acme": None,
        "add_to_trusted_store": False,
        "root_path": "/etc/certificates",
        "certificate_path": f"/etc/certificates/{cert.name}.crt",
        "privatekey_path": f"/etc/certificates/{cert.name}.key",
        "csr_path": f"/etc/certificates/{cert.name}.csr",
        "cert_type": "CERTIFICATE",
        "cert_type_existing": True,
        "cert_type_CSR": False,
        "cert_type_CA": False,
        "chain_list": [],
        "key_length": 2048,
        "key_type": "RSA",
        "country": None,
        "state": None,
        "city": None,
        "organization": None,
        "organizational_unit": None,
        "common": cert.common,
        "san": [f"DNS:{name}" for name in (cert.san or [cert.common])],
        "email": None,
        "DN": dn,
        "subject_name_hash": int(
            hashlib.sha1(dn.encode(), usedforsecurity=False).hexdigest()[:8], 16
        ),
        "extensions": {},
        "digest_algorithm": "SHA256",
        "lifetime": lifetime,
        "from": _cert_time(cert.valid_from),
        "until": _cert_time(cert.until),
        "serial": cert.id * 1000 + 1,
        "chain": False,
        "fingerprint": hashlib.sha1(cert.name.encode(), usedforsecurity=False).hexdigest().upper(),
        "expired": cert.until <= now,
        "parsed": True,
    }


def general_config(lab: NasLab, box: tuple[int, ...], *, expose_secrets: bool) -> dict[str, Any]:
    """``system.general.config``: the UI certificate and the rest of the general settings."""
    ui = next((cert for cert in lab.certificates if cert.ui), None)
    now = lab.clock.now()
    if box >= (26,):
        ui_value: Any = ui.id if ui is not None else None
    else:
        ui_value = certificate_entry(ui, now, expose_secrets=True) if ui is not None else None
    entry: dict[str, Any] = {
        "id": 1,
        "ui_certificate": ui_value if expose_secrets or box < (25, 10) else SECRET,
        "ui_httpsport": 443,
        "ui_httpsredirect": True,
        "ui_httpsprotocols": ["TLSv1.2", "TLSv1.3"],
        "ui_port": 80,
        "ui_address": ["0.0.0.0"],  # noqa: S104 - what the middleware reports
        "ui_v6address": ["::"],
        "ui_allowlist": [],
        "ui_consolemsg": False,
        "ui_x_frame_options": "SAMEORIGIN",
        "kbdmap": "us",
        "timezone": lab.state.system.timezone,
        "usage_collection": False,
        "wizardshown": True,
        "usage_collection_is_set": True,
        "ds_auth": False,
    }
    if box >= (26,):
        entry["ui_certificate_name"] = ui.name if ui is not None else None
    return entry
