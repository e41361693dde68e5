"""The seed lab's own names and addresses, in one place.

Generic code takes these only as defaults the user sees and can change (a form's example
address, an option's first value); nothing else in the integration assumes a lab's names.
A lab whose tags or ports differ changes the options, not the code.
"""

from __future__ import annotations

from typing import Final

from .const import EntryType

# Paperless-ngx tags that mark a document waiting at a stage of the seed lab's pipeline.
STAGE_TAGS: Final = (
    "needs-processing",
    "action-required",
    "automation-failed",
    "manual-verification",
)
# The tag the seed lab's n8n workflows put on a document whose automation failed; the LLM tool
# "reprocess failed documents" sends these back through the pipeline.
FAILED_TAG: Final = "automation-failed"
# The tag Paperless-AI puts on a document it has classified.
AI_PROCESSED_TAG: Final = "ai-processed"

# Where the seed lab's apps listen: TrueNAS app NodePorts, shown as examples in the forms.
EXAMPLE_URLS: Final = {
    EntryType.OLLAMA: "http://truenas.local:30068",
    EntryType.PAPERLESS: "http://truenas.local:30070",
    EntryType.N8N: "http://truenas.local:30109",
}
EXAMPLE_AI_URL: Final = "http://truenas.local:30226"
