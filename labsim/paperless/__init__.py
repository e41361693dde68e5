"""A simulated Paperless-ngx: the REST API in its version 9 (2.x) and version 10 (3.x) shapes.

Scenario section ``paperless`` (absent: no Paperless-ngx)::

    paperless:
      port: 30070
      version: 2.20.15        # 2.x allows API 1-9 (default 9); 3.x allows 9 and 10 (default 10)
      token: 0123...           # the API token (Authorization: Token ...)
      user: {staff: true, change_documents: true}   # staff sees /api/status/
      processing_seconds: 30   # one consume or reprocess task on a worker
      workers: 1
      timezone: Europe/Berlin
      health: {database: OK, redis: OK, celery: OK, index: OK, classifier: OK}
      tags: [inbox, needs-processing, ...]     # ids 1, 2, ... in this order
      inbox_tags: [inbox]
      documents:
        count: 1284                             # ids 1..count, one a day up to now
        tagged: {inbox: {newest: 6}, ai-processed: {oldest: 1270}, automation-failed: [1203]}
      tasks:
        - {file: scan.pdf, status: STARTED, created: "-40s", started: "-10s"}
        - {file: bad.pdf, status: FAILURE, created: "-5h", result: "..."}

Tasks move lazily with the lab clock: free workers take pending tasks oldest first; a task ends
``processing_seconds`` after it started, as a new document (consume) or a touched one (reprocess),
or as a failure when it was queued to fail; a ``bulk_update`` (tagging) takes a second. Nothing
moves while Celery or Redis is in error or the queue is stalled. A killed worker
(``POST kill_worker``) leaves its task ``started`` for ever, as Celery does not redeliver it.

What the real servers do (recorded from 3.0.5 and 2.20.15, see ``tests/paperless/fixtures``):

- ``GET /api/`` answers ``302`` to ``schema/view/`` (no version headers); the Swagger view answers
  ``406`` (HTML) to a JSON ``Accept``, and ``500`` to a wrong token.
- Version headers (``X-Api-Version``, ``X-Version``) come only with an authenticated answer.
- 2.x records only ``consume_file`` tasks and filters ``status`` in upper case (``PENDING``);
  3.x records every task type and filters in lower case, with API 9 too (400 otherwise), while
  API 9 still shows the status in upper case. API 9 task lists are plain lists; API 10 pages
  have no ``all``. ``/api/tasks/active/`` (3.x) lists the newest 50 first.
- 3.x shows a user who is not staff only its own and unowned tasks; both versions show (and
  count) a user who is not a superuser only its own documents (2.20.15 run for real: 0).
- ``POST /api/documents/reprocess/`` is 3.x only: 2.x answers 405.
- ``/api/status/`` takes 2.2 to 2.4 s. Each answer is charged a modelled server time
  (``GET cost``), so benchmarks can add up what a poller costs the server without waiting.

Control routes (``/control/paperless/...``): ``GET state``, ``POST consume {"files"|"count",
"created", "fail", "tags"}``, ``POST fail {"task_ids"}``, ``POST stall {"stalled"}``,
``POST kill_worker``, ``POST health {"celery": "ERROR", ...}``, ``POST version {"version"}``,
``POST user {"staff", "superuser", "user_id", "change_documents"}``, ``POST token {"token"}``,
``POST tag {"name", "documents"}``, ``GET cost`` / ``DELETE cost``, ``POST fault`` /
``DELETE fault``, ``POST reset``.
"""

from labsim.paperless.api import PaperlessService
from labsim.paperless.section import NAME, PaperlessSection, parse_section
from labsim.paperless.state import PaperlessState, api_versions

__all__ = [
    "NAME",
    "PaperlessSection",
    "PaperlessService",
    "PaperlessState",
    "api_versions",
    "parse_section",
]
