"""Jobs of the `documents` queue."""

from .documents import build_pdf


def make_pdf(document_id: int) -> str:
    """Convert one queued version to PDF; returns its final status for rq's result."""
    document = build_pdf(document_id)
    return document.status.value if document is not None else "missing"
