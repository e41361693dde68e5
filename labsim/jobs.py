"""The jobs of the lab (``core.get_jobs``): started, run to their end, failed, announced.

``LabState`` takes them in as ``LabJobs``; what they need of the lab (its events, its background
tasks) it declares.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .events import Event
from .scenario import JobDef


class LabJobs:
    """The lab's jobs, by id."""

    jobs: dict[int, JobDef]
    next_job_id: int

    if TYPE_CHECKING:

        def emit(self, event: Event) -> None:
            """Publish an event (``LabState``)."""

        def _spawn(self, coro: Any) -> asyncio.Task[None]:
            """Run a background task (``LabState``)."""

    @staticmethod
    def job_entry(job: JobDef) -> dict[str, Any]:
        """Return a ``core.get_jobs`` item."""
        failed = job.state == "FAILED"
        return {
            "id": job.id,
            "message_ids": [],
            "method": job.method,
            "arguments": job.arguments,
            "transient": False,
            "description": None,
            "abortable": False,
            "logs_path": f"/var/log/jobs/{job.id}.log",
            "logs_excerpt": None,
            "progress": {"percent": job.percent, "description": job.description, "extra": None},
            "result": job.result,
            "result_encoding_error": None,
            "error": job.error,
            "exception": f"Traceback (most recent call last):\n{job.error}" if failed else None,
            "exc_info": {"repr": job.error, "type": "CallError", "errno": None, "extra": None}
            if failed
            else None,
            "state": job.state,
            "time_started": job.time_started,
            "time_finished": job.time_finished,
            "credentials": None,
        }

    def job_entries(self) -> list[dict[str, Any]]:
        """Return ``core.get_jobs``."""
        return [self.job_entry(job) for job in self.jobs.values()]

    def _emit_job(self, job: JobDef, msg: str) -> None:
        self.emit(Event("core.get_jobs", msg, job.id, self.job_entry(job)))

    def add_job(
        self,
        method: str,
        arguments: list[Any],
        *,
        description: str | None = None,
        run: bool = True,
        now: datetime | None = None,
    ) -> JobDef:
        """Add a job as the middleware does: ``added`` as WAITING, then (``run``) RUNNING.

        ``now`` is the job clock (the backup clock for backup jobs).
        """
        job = JobDef(
            id=self.next_job_id,
            method=method,
            arguments=arguments,
            state="WAITING",
            percent=None,
            description=description,
        )
        self.next_job_id += 1
        self.jobs[job.id] = job
        self._emit_job(job, "added")
        if run:
            self.run_job(job, now)
        return job

    def run_job(self, job: JobDef, now: datetime | None = None) -> None:
        """Move a WAITING job to RUNNING (``changed``)."""
        job.state, job.percent = "RUNNING", 0
        job.time_started = now or datetime.now(UTC)
        self._emit_job(job, "changed")

    def fail_job(self, job: JobDef, error: str, now: datetime | None = None) -> None:
        """End a job as FAILED with ``error`` (the exception's ``str``)."""
        job.state, job.error, job.percent = "FAILED", error, None
        job.time_started = job.time_started or now or datetime.now(UTC)
        job.time_finished = now or datetime.now(UTC)
        self._emit_job(job, "changed")

    def failed_job(self, method: str, arguments: list[Any], error: str) -> int:
        """A job whose method raised at once (an unknown app or task): it still is a job."""
        job = self.add_job(method, arguments)
        # It fails inside the job, after the caller got the job id.
        asyncio.get_running_loop().call_soon(self.fail_job, job, error)
        return job.id

    def start_job(
        self,
        method: str,
        arguments: list[Any],
        duration: float,
        *,
        result: Any = None,
        error: str | None = None,
    ) -> JobDef:
        """Run a fake job for ``duration`` seconds ending in SUCCESS (or FAILED with ``error``)."""
        job = self.add_job(method, arguments)
        self._spawn(self._run_job(job, duration, result, error))
        return job

    async def _run_job(self, job: JobDef, duration: float, result: Any, error: str | None) -> None:
        steps = max(1, int(duration))
        for step in range(1, steps):
            await asyncio.sleep(duration / steps)
            job.percent = int(step * 100 / steps)
            self._emit_job(job, "changed")
        await asyncio.sleep(duration / steps)
        job.time_finished = datetime.now(UTC)
        if error is None:
            job.state, job.percent, job.result = "SUCCESS", 100, result
        else:
            job.state, job.error = "FAILED", error
        self._emit_job(job, "changed")
