"""What the receipt needs besides the appeal: the public status link and its QR code."""

import io

import segno
from flask import current_app, has_request_context, url_for
from markupsafe import Markup


def status_url(tracking_code: str) -> str:
    """The public status page of an appeal, as an absolute URL (QR code, SMS, e-mail).

    PUBLIC_URL, where set, is the citizens' address of the site; otherwise the address this request came
    to; a job outside any request uses the address `make run` serves on."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        return url_for("public.status", code=tracking_code, _external=True)
    base = (base or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/status/{tracking_code}"


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for `url` (medium error correction survives a smudged print)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title="QR", nl=False
    )
    return Markup(buffer.getvalue().decode())


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def accepted_by(appeal) -> str:
    """Who accepted the appeal, as the talon says it: position and name; or that it came online."""
    from flask_babel import get_locale
    from flask_babel import gettext as _

    clerk = appeal.registered_by_user
    if clerk is None:
        return _("Filed online by the citizen")
    position = clerk.position_in(str(get_locale()))
    return f"{position}, {clerk.full_name}" if position else clerk.full_name


def receipt_docx(appeal, pin: str | None, url: str) -> bytes:
    """The receipt as a Word document (A5), in the current locale; the caller sets the citizen's language."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt
    from flask_babel import gettext as _

    from ..i18n import local_time

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(148), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(12))
    style = document.styles["Normal"]
    style.font.name, style.font.size = "DejaVu Sans", Pt(10)

    document.add_heading(_("Receipt of an appeal"), level=1)
    branch = appeal.branch
    document.add_paragraph(f"{branch.name}\n{branch.address}" + (f" · {branch.phone}" if branch.phone else ""))
    rows = [
        (_("Registration number"), appeal.registration_number),
        (_("Date"), local_time(appeal.registered_dt)),
        (_("Topic"), appeal.topic.name),
        (_("Decision due by"), appeal.deadline.strftime("%d.%m.%Y")),
        (_("Accepted by"), accepted_by(appeal)),
        (_("Tracking code"), appeal.tracking_code),
        (_("PIN"), pin or _("shown only once; a lost PIN is replaced on the status page or at the reception")),
    ]
    table = document.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
        if label in (_("Tracking code"), _("PIN")) and value in (appeal.tracking_code, pin):
            run = cells[1].paragraphs[0].runs[0]
            run.font.size, run.font.bold = Pt(16), True
    if appeal.is_anonymous:
        document.add_paragraph(_("This appeal is anonymous: no written answer can be sent."))
    document.add_picture(io.BytesIO(qr_png(url)), width=Mm(35))
    document.add_paragraph(f"{_('Check the status with the tracking code and PIN:')}\n{url}")
    document.add_paragraph(_("Keep the PIN secret: with the code it shows the state of your appeal."))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
