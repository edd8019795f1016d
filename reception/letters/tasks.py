"""The letters' background job: a letter's PDF (`documents` queue)."""

from .operations import build_pdf


def make_letter_pdf(letter_id: int) -> str:
    """Convert one letter's DOCX to PDF; returns its final status for rq's result."""
    letter = build_pdf(letter_id)
    return letter.pdf_status.value if letter is not None else "missing"
