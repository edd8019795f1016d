"""DOCX to PDF with LibreOffice (Debian's libreoffice-writer-nogui), the one converter that renders Word
documents faithfully; each run gets its own profile folder so concurrent conversions do not collide."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: Seconds a conversion may take before it is given up (the first start of a profile is the slowest).
TIMEOUT = 120


class ConversionUnavailable(RuntimeError):
    """LibreOffice is not installed here."""


class ConversionFailed(RuntimeError):
    pass


def soffice_path() -> str | None:
    return os.environ.get("SOFFICE_PATH") or shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes) -> bytes:
    """The PDF rendering of a DOCX document."""
    binary = soffice_path()
    if binary is None:
        raise ConversionUnavailable("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="qabyldau-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(docx)
        command = [
            binary,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            result = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ConversionFailed(f"LibreOffice did not finish within {TIMEOUT} s") from exc
        target = folder / "document.pdf"
        if result.returncode != 0 or not target.exists():
            raise ConversionFailed(
                f"LibreOffice failed ({result.returncode}): {result.stderr.decode(errors='replace')[-500:]}"
            )
        return target.read_bytes()
