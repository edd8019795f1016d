"""What the receipt needs besides the appeal: the public status link and its QR code."""

import io

import segno
from flask import url_for
from markupsafe import Markup


def status_url(tracking_code: str) -> str:
    """The public status page of an appeal, as an absolute URL for the QR code."""
    return url_for("public.status", code=tracking_code, _external=True)


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for `url` (medium error correction survives a smudged print)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True,
                                    title="QR", nl=False)
    return Markup(buffer.getvalue().decode())
