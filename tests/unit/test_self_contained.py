"""The suite needs nothing beside the repository: proven by the audit hook in conftest."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.settings import ROOT
from tests.conftest import SAMPLE, OutsideReads

# A folder beside the repository, as another project's files would be: any name is caught.
SIBLING = "a-sibling-project"


def test_reading_a_sibling_folder_is_caught(stays_inside_the_repository: OutsideReads):
    sibling = ROOT.parent / SIBLING / "samples" / "open-meeting-2017.json"
    start = len(stays_inside_the_repository.paths)
    with contextlib.suppress(OSError):
        sibling.read_bytes()
    # Recorded whether or not the file exists there, so a fresh clone cannot hide the read.
    assert stays_inside_the_repository.paths[start:] == [str(sibling)]
    del stays_inside_the_repository.paths[start:]  # this test's read was on purpose


def test_a_test_that_reads_beside_the_repository_fails(tmp_path: Path):
    probe = tmp_path / "test_reads_a_sibling.py"
    probe.write_text(
        "from pathlib import Path\n"
        "import contextlib\n"
        "def test_reads_a_sibling():\n"
        f"    with contextlib.suppress(OSError):\n"
        f"        Path({str(ROOT)!r}, '..', {SIBLING!r}, 'samples', 'x.json').read_bytes()\n"
        "def test_reads_inside():\n"
        f"    Path({str(SAMPLE)!r}).read_bytes()\n"
    )
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(probe),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 passed, 1 error" in result.stdout, result.stdout  # the error is the teardown
    assert "ERROR" in result.stdout and "::test_reads_a_sibling" in result.stdout
    assert "::test_reads_inside" not in result.stdout
    assert "opened files outside the repository" in result.stdout
    assert str(ROOT.parent / SIBLING / "samples" / "x.json") in result.stdout


def test_relative_paths_and_parent_steps_are_resolved_before_the_check(
    stays_inside_the_repository: OutsideReads, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(ROOT)
    start = len(stays_inside_the_repository.paths)
    for path in (f"../{SIBLING}/x.json", f"{ROOT}/tests/../../{SIBLING}/y.json"):
        with pytest.raises(OSError):
            open(path, "rb")  # noqa: SIM115
    with pytest.raises(OSError):
        os.listdir(ROOT.parent / f"{SIBLING}-missing-folder")
    caught = stays_inside_the_repository.paths[start:]
    assert caught == [
        str(ROOT.parent / SIBLING / "x.json"),
        str(ROOT.parent / SIBLING / "y.json"),
        str(ROOT.parent / f"{SIBLING}-missing-folder"),
    ]
    del stays_inside_the_repository.paths[start:]


def test_files_inside_the_repository_and_elsewhere_on_the_machine_pass(
    stays_inside_the_repository: OutsideReads, tmp_path: Path
):
    start = len(stays_inside_the_repository.paths)
    SAMPLE.read_bytes()
    (tmp_path / "scratch.txt").write_text("ok")
    Path("/proc/self/status").read_text()
    assert stays_inside_the_repository.paths[start:] == []


def test_the_sample_workshop_lives_in_the_repository():
    assert SAMPLE.is_file()
    assert SAMPLE.resolve().is_relative_to(ROOT)


def test_a_temporary_folder_above_the_repository_exempts_nothing_beside_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    # A CI clone at <tmp>/ci/repo, with <tmp> as the temporary folder.
    repository = tmp_path / "ci" / "repo"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    audit = OutsideReads(repository)
    audit.hook("open", (str(tmp_path / "ci" / SIBLING / "x.json"), "r", 0))
    audit.hook("open", (str(repository / "tests" / "x.json"), "r", 0))
    assert audit.paths == [str(tmp_path / "ci" / SIBLING / "x.json")]


def test_a_clone_in_the_temporary_folder_still_catches_its_siblings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    repository = tmp_path / "repo"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    audit = OutsideReads(repository)
    for allowed in ("pytest-of-root/p/x.db", "tmpab12cd/x.json"):
        audit.hook("open", (str(tmp_path / allowed), "r", 0))
    audit.hook("open", (str(tmp_path / SIBLING / "x.json"), "r", 0))
    assert audit.paths == [str(tmp_path / SIBLING / "x.json")]


def test_a_scratch_file_the_process_creates_beside_the_repository_is_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    # openpyxl writes a workbook through tempfile.mkstemp (O_CREAT | O_EXCL) and reads it back.
    repository = tmp_path / "repo"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    audit = OutsideReads(repository)
    scratch = str(tmp_path / "openpyxl.ab12cd34")
    audit.hook("open", (scratch, None, os.O_RDWR | os.O_CREAT | os.O_EXCL))
    audit.hook("open", (scratch, "rb", 0))
    # Opened for writing without O_EXCL, the file may have existed: that is still a sibling's.
    existing = str(tmp_path / SIBLING / "notes.json")
    audit.hook("open", (existing, "w", os.O_WRONLY | os.O_CREAT | os.O_TRUNC))
    assert audit.paths == [existing]
