"""``convpool filter`` and ``convpool pool`` on stacks bigger than memory: Zarr in, Zarr out, via Dask.

An input is a Zarr array or a ``.npy`` file (memory-mapped) of shape
``(m, h, w)`` or ``(m, h, w, c)``. It becomes a dask array, goes through the
same public functions as in-memory batches (they accept dask arrays), and
the result is stored chunk by chunk into a Zarr array: no more than a few
chunks per worker are ever in memory. The store is written under a hidden
temporary name beside the output and renamed only when complete, so an
interrupted run leaves nothing that looks like a result. ``--workers N``
starts a local cluster of ``N`` worker processes, ``--scheduler ADDRESS``
uses a running one; otherwise Dask's threads run it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._exits import UsageError
from .._optional import optional
from . import _cluster, _stores
from ._common import error, say

#: Bytes of input per chunk when a ``.npy`` file is cut into chunks (whole images while they fit).
NPY_CHUNK_BYTES = 32 * 2**20


def wanted(args: argparse.Namespace) -> bool:
    """Whether this run is for Dask: a Zarr input or output, or a cluster asked for."""
    stores = [*args.inputs, args.output]
    return args.workers is not None or bool(args.scheduler) or any(str(p).rstrip("/").endswith(".zarr") for p in stores)


def run(args: argparse.Namespace, fn: Callable) -> int:
    """Apply ``fn(batch, dtype)`` (a batch ``(m, h, w, c)`` to a result batch) to every input; 0 if all went well."""
    jobs = _plan(args)
    failed = 0
    temps = _stores.Temps()
    try:
        with _cluster.scheduler(args) as client:
            for src, dst in jobs:
                failed += not _job(src, dst, fn, args, client, temps)
    finally:
        # after the cluster is closed: its workers may still have been writing chunks of an interrupted store
        temps.remove_all()
    return 1 if failed else 0


def _job(src: Path, dst: Path, fn: Callable, args: argparse.Namespace, client, temps) -> bool:
    """One input to its store; ``False`` after one line on stderr if it failed."""
    notes: list[str] = []
    try:
        _one(src, dst, fn, args, client, temps, notes)
    except Exception as exc:  # noqa: BLE001 - a store's codec errors are of any type; the others go on
        _say_notes(args, src, notes)
        error(args, f"{src}: {_stores.reason(exc, dst)}")
        return False
    _say_notes(args, src, notes)
    say(args, f"wrote {dst}")
    return True


def _plan(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    """Pairs (input, output store); several inputs write ``OUTPUT/NAME.zarr``."""
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    out = Path(args.output)
    folder = len(args.inputs) > 1 or args.output.endswith(("/", os.sep))
    if not folder and out.suffix != ".zarr":
        raise UsageError(f"-o {args.output}: big inputs and clusters write a Zarr array; end OUTPUT with .zarr")
    jobs = [(Path(src), out / f"{Path(src).stem}.zarr" if folder else out) for src in args.inputs]
    for _, dst in jobs:
        for other in args.inputs:
            if _overlap(dst.resolve(), Path(other).resolve()):
                # a store is a folder: --force replacing one that holds an input deletes the input
                raise UsageError(
                    f"output {dst} is, holds or lies inside the input {other}; refusing to overwrite an input"
                )
    if len({dst.resolve() for _, dst in jobs}) != len(jobs):
        raise UsageError("two inputs would write the same output; rename the inputs")
    return jobs


def _overlap(dst: Path, src: Path) -> bool:
    """Whether replacing (or writing into) ``dst`` touches ``src``: the same path, or one inside the other."""
    return dst == src or dst in src.parents or src in dst.parents


class NpyStack:
    """A ``.npy`` file read slice by slice through a memory map; pickles as its path (for workers)."""

    def __init__(self, path: Path):
        self.path = str(path)
        array = np.load(self.path, mmap_mode="r", allow_pickle=False)
        self.shape, self.dtype, self.ndim = array.shape, array.dtype, array.ndim

    def __getitem__(self, index):
        return np.array(np.load(self.path, mmap_mode="r", allow_pickle=False)[index])


def read(src: Path, volumes: bool = False):
    """The input as a dask array ``(m, h, w, c)`` (``volumes``: ``(m, d, h, w, c)``), whether it had no channel
    axis, and notes on it."""
    da = optional("dask.array", extra="dask", purpose="a Zarr store or Dask cluster")

    src = src.absolute()  # workers of a cluster may run in another folder
    if not src.exists():
        raise FileNotFoundError(f"no such file or store: {src}")
    if not (src.is_dir() if src.suffix == ".zarr" else src.is_file()):  # a FIFO would block the whole batch
        raise ValueError("not a regular file or Zarr store (a FIFO, socket or device?)")
    if src.suffix not in (".npy", ".zarr"):
        raise ValueError("Zarr outputs and Dask clusters take Zarr arrays (.zarr) or .npy stacks")
    notes: list[str] = []
    if src.suffix == ".npy":
        stack = NpyStack(src)
        array = da.from_array(stack, chunks=_npy_chunks(stack.shape, stack.dtype.itemsize), lock=False, fancy=False)
    else:
        zarr = optional("zarr", extra="dask", purpose="a Zarr store")

        stored = zarr.open_array(str(src), mode="r")
        notes = _stores.absent_chunks(stored)
        array = da.from_zarr(stored)
    rank = 4 if volumes else 3  # without channels
    if array.dtype.kind not in "biuf" or array.ndim not in (rank, rank + 1):
        shapes = "(m, d, h, w) or (m, d, h, w, c) (--3d)" if volumes else "(m, h, w) or (m, h, w, c)"
        raise ValueError(f"a stack must be real numbers of shape {shapes}, got {array.dtype} {array.shape}")
    return (array[..., None], True, notes) if array.ndim == rank else (array, False, notes)


def _npy_chunks(shape, itemsize: int) -> tuple:
    """Whole images, as many as fit in :data:`NPY_CHUNK_BYTES`; rows of one image if it alone is larger."""
    row = int(np.prod(shape[2:])) * itemsize
    image = row * shape[1]
    if image <= NPY_CHUNK_BYTES:
        return (max(1, NPY_CHUNK_BYTES // max(image, 1)), *shape[1:])
    return (1, max(1, NPY_CHUNK_BYTES // max(row, 1)), *shape[2:])


def _regular(result):
    """Zarr takes equal chunks (the last may be shorter): even out a spatial plan's chunks."""
    sizes = {}
    for axis, chunks in enumerate(result.chunks):
        if len(set(chunks[:-1])) > 1 or (len(chunks) > 1 and chunks[-1] > chunks[0]):
            sizes[axis] = max(chunks)
    return result.rechunk(sizes) if sizes else result


def _say_notes(args: argparse.Namespace, src: Path, notes: list[str]) -> None:
    for note in notes:
        error(args, f"note: {src}: {note}")


def _dtype(args: argparse.Namespace, images):
    """``--dtype``; ``auto``: float32 for float32 stacks (as in memory), else the library's own rule."""
    if args.dtype != "auto":
        return np.dtype(args.dtype)
    return np.dtype(np.float32) if images.dtype == np.float32 else None


def _one(src: Path, dst: Path, fn: Callable, args: argparse.Namespace, client, temps, notes: list[str]) -> None:
    """Compute ``src`` into ``dst``; what the user should know goes to ``notes`` (even if it then fails)."""
    da = optional("dask.array", extra="dask", purpose="a Zarr store or Dask cluster")

    notes += _stores.tidy(dst)  # stores left by runs that were killed (SIGKILL, power cut)
    if os.path.lexists(dst) and not args.force:
        raise FileExistsError(f"{dst} exists; pass --force to overwrite it")
    images, squeeze, read_notes = read(src, getattr(args, "volumes", False))
    notes += read_notes
    result = fn(images, _dtype(args, images))
    if squeeze and result.shape[-1] == 1:
        result = result[..., 0]
    result = _regular(result)
    dst = dst.absolute()  # workers of a cluster may run in another folder
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = temps.new(dst)
    try:
        store = da.to_zarr(result, str(tmp), compute=False, overwrite=True)
        _stores.mark(tmp)
        # NaN/inf counted in the same pass as the store (the result's chunks are computed once), as for .npy
        bad = da.count_nonzero(~da.isfinite(result)) if result.dtype.kind == "f" else da.zeros((), int)
        _, bad = _compute([store, bad], client, args.quiet)
        _stores.publish(tmp, dst, args.force)
        if bad:
            notes.append(f"{int(bad)} of {result.size} values are NaN or infinite")
    except Exception:
        temps.remove(tmp)  # this job failed, the others go on; late chunks go with Temps.remove_all
        raise
    # an interruption leaves the store to Temps.remove_all, once the cluster is closed: removed now, it would
    # be read by workers still unpacking their tasks (a page of Zarr tracebacks) and refilled by late chunks


def _compute(graphs: list, client, quiet: bool) -> list:
    """Run the graphs together (shared chunks once) with a progress bar (Dask's diagnostics, or distributed's)."""
    if client is not None:
        futures = client.compute(graphs)
        try:
            if not quiet and sys.stdout.isatty():  # its text bar redraws on stdout: no frames in a log file
                from distributed import progress

                progress(futures)
            return [future.result() for future in futures]
        except BaseException:
            client.cancel(futures)  # a failed or interrupted store: the scheduler stops handing out its tasks
            raise
    import dask
    from dask.diagnostics import ProgressBar

    with ProgressBar(minimum=1.0, out=sys.stderr) if not quiet else contextlib.nullcontext():
        return list(dask.compute(*graphs))
