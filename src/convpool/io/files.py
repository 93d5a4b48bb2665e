"""Safe file output: never overwrite unless asked, never leave a partial file.

A result is written to a hidden temporary file in the target's folder,
``.NAME.convpool-PID-XXXX.tmp``, and renamed onto ``NAME`` only when complete
(``os.replace`` is atomic within one file system). So ``NAME`` is either
absent, its old content, or the full new content; never half written.

If the process is interrupted (Ctrl-C, SIGTERM) the temporary file is removed
on the way out. A SIGKILL or power cut cannot be caught: the hidden ``.tmp``
file may stay behind, and the next write to the same ``NAME`` removes it
(its PID no longer runs). Its name can never be mistaken for a result.
Only what convpool marked is removed that way: a temporary file carries the
extended attribute :data:`TEMP_XATTR`, a temporary folder (a Zarr store) holds
:data:`TEMP_MARKER`. Anything of the user's that merely matches the name pattern
stays. (A file system without user attributes cannot mark files: there a
temporary file is recognised by its name and dead PID alone.)
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_TAG = "convpool"
#: The file inside a temporary folder (a Zarr store being written) that says convpool made it, so
#: that only such folders are ever removed as stale; it is taken out before the store is published.
TEMP_MARKER = ".convpool-temporary"


def temp_prefix(path: Path) -> str:
    """Start of the temporary names for ``path``: ``.NAME.convpool-``."""
    return f".{path.name}.{TEMP_TAG}-"


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's
        return True
    except OSError:  # pragma: no cover - platforms without signal 0
        return True
    return True


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def is_marked(folder: Path) -> bool:
    """Whether ``folder`` is a temporary store convpool made (it holds :data:`TEMP_MARKER`)."""
    return folder.is_dir() and not folder.is_symlink() and (folder / TEMP_MARKER).is_file()


#: The extended attribute that marks a temporary *file* as convpool's (a file cannot hold a marker file).
TEMP_XATTR = "user.convpool"


def _mark_file(path: Path) -> None:
    """Mark a temporary file as convpool's, where the file system keeps user attributes (most do)."""
    try:
        os.setxattr(path, TEMP_XATTR, b"temporary")
    except (OSError, AttributeError):  # no user xattrs here: the file will not be removed as stale
        pass


def _empty_file(path: Path) -> bool:
    """An empty regular file: what a writer killed between creating and marking its temporary leaves (no data)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == 0


def _is_marked_file(path: Path) -> bool:
    """Whether a file carries :data:`TEMP_XATTR`; where the file system keeps no user attributes, its name decides."""
    try:
        return os.getxattr(path, TEMP_XATTR, follow_symlinks=False) == b"temporary"
    except OSError as exc:
        return exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP)  # could not have been marked: the old rule
    except AttributeError:  # pragma: no cover - platforms without xattrs
        return True


def remove_stale_temps(path: str | os.PathLike) -> list[Path]:
    """Delete temporary files (and Zarr stores) left beside ``path`` by writers that no longer run; return them.

    A folder is removed only if it holds :data:`TEMP_MARKER`, a file only if it carries the
    extended attribute :data:`TEMP_XATTR` (convpool made it) or is empty (a writer killed between
    creating and marking it; no data is lost): anything else of the user's that happens to match
    the name pattern, or an old result moved aside, stays.
    """
    path = Path(path)
    folder = path.parent
    pattern = re.compile(re.escape(temp_prefix(path)) + r"(\d+)-[^/]*\.tmp")
    removed = []
    for entry in _entries(folder):
        match = pattern.fullmatch(entry.name)
        if match and not _running(int(match.group(1))):
            try:
                if entry.is_dir() and not entry.is_symlink():  # a Zarr store is a folder
                    if not is_marked(entry):
                        continue
                    shutil.rmtree(entry)
                elif _is_marked_file(entry) or _empty_file(entry):
                    entry.unlink()
                else:
                    continue
                removed.append(entry)
            except OSError:
                pass
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_new(tmp: Path, path: Path) -> None:
    """Move the finished ``tmp`` onto ``path`` only if ``path`` still does not exist.

    A hard link is atomic and refuses an existing name, so a file that appeared
    at ``path`` while we were writing is never replaced (no check-then-rename
    window). File systems without hard links fall back to check, then rename.
    """
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it") from None
    except OSError:  # no hard links here (some network or FAT file systems)
        if path.exists():
            raise FileExistsError(f"{path} exists; pass --force to overwrite it") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` as ``cannot write PATH: REASON``, same type and errno."""
    why = exc.strerror
    if not why and "requested and" in str(exc):  # NumPy's short write: "1080000 requested and 130032 written"
        why = "the file system took only part of it (disk full, or a quota or file-size limit?)"
    named = type(exc)(f"cannot write {path}: {why or ' '.join(str(exc).split()) or type(exc).__name__}")
    named.errno = exc.errno
    return named


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object], *, force: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    ``FileExistsError`` if ``path`` exists and not ``force``; ``IsADirectoryError``
    if it is a folder. On any exception (``KeyboardInterrupt`` included) the
    temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a file")
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it")
    remove_stale_temps(path)
    folder = path.parent if str(path.parent) else Path(".")
    mine = f"{temp_prefix(path)}{os.getpid()}-"
    try:
        # everything from mkstemp on is inside `try`: a signal arriving between the file's creation and
        # the rename still reaches the clean-up below
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=mine, suffix=".tmp")
        os.close(fd)
        tmp_path = Path(tmp)
        _mark_file(tmp_path)
        # mkstemp makes the file private (0600); give the result the usual permissions
        os.chmod(tmp_path, 0o666 & ~_umask())
        write(tmp_path)
        if force:
            os.replace(tmp_path, path)
        else:
            _publish_new(tmp_path, path)
    except OSError as exc:
        if exc.filename is not None and not Path(exc.filename).name.startswith(mine):
            raise  # about another file (an input the writer reads): its own name says which
        # the user asked for `path`: the hidden temporary name would only confuse them
        raise _named(exc, path) from None
    finally:
        # by name, not by variable: mkstemp may have created the file before an interruption
        for leftover in _entries(folder):
            if leftover.name.startswith(mine) and leftover.name.endswith(".tmp"):
                leftover.unlink(missing_ok=True)
    return path
