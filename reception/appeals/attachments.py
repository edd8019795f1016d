"""Attachments: type checked by content (not by name), size capped, stored outside static/."""

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from ..errors import Refused
from .models import Appeal, Attachment

#: What we accept, recognised by the file's first bytes.
PDF, JPEG, PNG, DOCX = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
)
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10


class AttachmentRejected(Refused):
    """A file refused, with the reason naming it."""


@dataclass
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def sniff_type(data: bytes) -> str | None:
    """The content type the bytes really are, among those we accept; None otherwise."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX
        except zipfile.BadZipFile:
            return None
    return None


def check_uploads(files: list[FileStorage]) -> list[CheckedFile]:
    """Read and check every upload before anything is stored; raises AttachmentRejected naming the file."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise AttachmentRejected(_l("At most %(count)s files per appeal.", count=MAX_FILES))
    checked = []
    for upload in files:
        data = upload.read(MAX_FILE_BYTES + 1)
        name = upload.filename
        if len(data) > MAX_FILE_BYTES:
            raise AttachmentRejected(_l("%(name)s is larger than 10 MB.", name=name))
        if not data:
            raise AttachmentRejected(_l("%(name)s is empty.", name=name))
        content_type = sniff_type(data)
        if content_type is None:
            raise AttachmentRejected(_l("%(name)s is not a PDF, JPEG, PNG or DOCX file.", name=name))
        checked.append(CheckedFile(filename=secure_filename(name) or "file", content_type=content_type, data=data))
    return checked


def storage_dir() -> Path:
    path = Path(current_app.config.get("ATTACHMENTS_DIR") or Path(current_app.instance_path) / "attachments")
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(appeal: Appeal, files: list[CheckedFile], uploaded_by_id: int | None) -> list[Attachment]:
    """Write the files under a random name and attach their rows to the appeal.

    If one cannot be written, those already written are removed. The caller removes them all if its
    transaction does not commit (see intake.intake_appeal)."""
    rows = []
    for f in files:
        key = f"{appeal.year}/{secrets.token_hex(16)}"
        path = storage_dir() / key
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f.data)
        except OSError:
            path.unlink(missing_ok=True)
            for row in rows:
                path_of(row).unlink(missing_ok=True)
            raise
        row = Attachment(
            filename=f.filename,
            content_type=f.content_type,
            size=len(f.data),
            sha256=hashlib.sha256(f.data).hexdigest(),
            storage_key=key,
            uploaded_by_id=uploaded_by_id,
        )
        appeal.attachments.append(row)
        rows.append(row)
    return rows


def path_of(attachment: Attachment) -> Path:
    return storage_dir() / attachment.storage_key


def as_download(attachment: Attachment):
    """The response that hands the file over as a download under its own name, never cached."""
    return send_file(
        path_of(attachment),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
