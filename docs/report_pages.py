"""Render page 1 of the sample workshop's Word and PDF reports as PNGs for the README.

Replays ``tests/fixtures/open-meeting-2017.json`` into a throw-away database, downloads the
``.docx`` and ``.pdf``, converts the Word file with LibreOffice and both PDFs with pdftoppm.
Needs ``apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk``; CI never runs it.

    .venv/bin/python docs/report_pages.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from tests.factories import bearer, staff_token  # noqa: E402
from tests.sample_replay import replay  # noqa: E402

PASSWORD = "docs-password-123"  # noqa: S105  (a throw-away database)


def main() -> int:
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        print("missing tools: apt-get install libreoffice-writer-nogui poppler-utils")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url = f"sqlite:///{work / 'docs.db'}"
        Database(url).migrate()
        settings = Settings(database_url=url, secret_key="d" * 40, admin_password=PASSWORD)
        with TestClient(create_app(settings), headers={"Accept-Language": "ja"}) as client:
            token = staff_token(client, password=PASSWORD)
            workshop_id = replay(client, token)
            for ext in ("docx", "pdf"):
                response = client.get(
                    f"/api/v1/workshops/{workshop_id}/report.{ext}", headers=bearer(token)
                )
                response.raise_for_status()
                (work / f"report.{ext}").write_bytes(response.content)
        (work / "word").mkdir()
        subprocess.run(  # noqa: S603
            [
                soffice,
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work / "word"),
                str(work / "report.docx"),
            ],
            check=True,
            capture_output=True,
        )
        for source, name in (
            (work / "word" / "report.pdf", "report-docx"),
            (work / "report.pdf", "report-pdf"),
        ):
            subprocess.run(  # noqa: S603
                [
                    pdftoppm,
                    "-png",
                    "-r",
                    "80",
                    "-f",
                    "1",
                    "-l",
                    "3",
                    str(source),
                    str(ROOT / "docs" / name),
                ],
                check=True,
            )
    for png in sorted((ROOT / "docs").glob("report-*.png")):
        print(f"{png.relative_to(ROOT)}  {png.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
