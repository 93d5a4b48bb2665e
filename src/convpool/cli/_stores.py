"""Zarr output stores on disk: temporary names, the marker, publishing, leftovers of killed runs, messages.

A store is computed into ``.NAME.convpool-PID-zarr.tmp`` beside its output,
marked with :data:`convpool.io.files.TEMP_MARKER` so that only stores convpool
made are ever removed as stale, and renamed onto ``NAME`` when complete. With
``--force`` the old output is first moved aside to ``.NAME.convpool-PID-old.tmp``
and deleted only once the new one is in place; a run killed between the two
renames leaves it there, and the next run puts it back (or, if a new result
already took its place, keeps it and says so). Nothing unmarked is ever deleted.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ..io.files import TEMP_MARKER, _running, remove_stale_temps, temp_prefix


class Temps:
    """The temporary stores of this run, removed when each job ends and once more after the cluster closes."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def new(self, dst: Path) -> Path:
        tmp = dst.parent / f"{temp_prefix(dst)}{os.getpid()}-zarr.tmp"
        self.paths.append(tmp)
        return tmp

    @staticmethod
    def remove(tmp: Path) -> None:
        if not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)

    def remove_all(self) -> None:
        # workers of an interrupted run may have written more chunks after the first removal
        for tmp in self.paths:
            self.remove(tmp)


def mark(tmp: Path) -> None:
    """Say that ``tmp`` is convpool's (see :data:`convpool.io.files.TEMP_MARKER`)."""
    (tmp / TEMP_MARKER).write_text("a temporary store of convpool; safe to delete once its writer has stopped\n")


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()  # a link is replaced, never followed: what it pointed to is not ours
    else:
        shutil.rmtree(path)


def publish(tmp: Path, dst: Path, force: bool) -> None:
    """Rename the finished store onto ``dst``; an old ``dst`` (with ``force``) goes only after that."""
    (tmp / TEMP_MARKER).unlink()
    old = None
    if os.path.lexists(dst):
        if not force:
            raise FileExistsError(f"{dst} exists; pass --force to overwrite it")
        old = dst.parent / f"{temp_prefix(dst)}{os.getpid()}-old.tmp"
        os.replace(dst, old)
    try:
        os.replace(tmp, dst)
    except BaseException:
        if old is not None:  # the old result goes back
            os.replace(old, dst)
        raise
    if old is not None:
        _remove(old)


def tidy(dst: Path) -> list[str]:
    """Remove stores of killed runs beside ``dst``; put back an old result one of them left aside; notes."""
    remove_stale_temps(dst)
    notes = []
    pattern = re.compile(re.escape(temp_prefix(dst)) + r"(\d+)-old\.tmp")
    for entry in sorted(dst.parent.iterdir()) if dst.parent.is_dir() else []:
        match = pattern.fullmatch(entry.name)
        if not match or _running(int(match.group(1))):
            continue
        if not os.path.lexists(dst):
            os.replace(entry, dst)
            notes.append(f"put back {dst.name}, which an interrupted --force run had moved aside to {entry.name}")
        else:
            notes.append(f"{entry.name} beside the output holds an older result an interrupted run left; kept")
    return notes


def absent_chunks(array) -> list[str]:
    """A note if chunks of a Zarr ``array`` are absent (Zarr reads them as the fill value), else nothing."""
    try:
        total, present = int(array.nchunks), int(array.nchunks_initialized)
    except Exception:  # noqa: BLE001 - a store that cannot list its keys: the read itself will say
        return []
    if present >= total:
        return []
    return [f"{total - present} of {total} chunks are absent; read as the fill value {array.fill_value}"]


def reason(exc: BaseException, dst: Path) -> str:
    """Why a job failed, in one line, naming ``dst`` rather than its hidden temporary store."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    hidden = re.escape(temp_prefix(dst)) + r"\d+-(zarr|old)\.tmp"
    text = re.sub(r"[^\s'\"]*" + hidden, str(dst), text)
    if isinstance(exc, (ValueError, TypeError, OSError)):
        return text
    return f"{type(exc).__name__}: {text}"
