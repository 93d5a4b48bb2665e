"""The Dask cluster of ``--workers N`` and ``--scheduler ADDRESS``: bounded waits, quiet logs.

``distributed.Client(ADDRESS)`` can wait for ever: a port where a web server
or nothing at all answers keeps its handshake pending whatever ``timeout=``
says. So the client is made in a thread of its own, and given up after
``distributed.comm.timeouts.connect`` (Dask's setting, 30 s unless changed,
e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``) plus a little: one line
and exit status 2. Distributed's own log lines (a "Compute Failed" block of
kilobytes for a failing task) are kept off stderr: each failure is reported
by the command in one line.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import threading

from .._exits import UsageError
from .._optional import optional

#: Seconds beyond Dask's connect timeout before a silent scheduler is given up.
GRACE_S = 2.0

#: A log level above every level distributed uses (Dask's config reads the number from the environment).
SILENT = logging.CRITICAL + 10


@contextlib.contextmanager
def _quiet_logs():
    """Distributed's log lines off stderr, here and in the worker processes (they read the environment)."""
    # above CRITICAL: even a worker's "CRITICAL - Failed to deserialize" (a task of a store being dropped
    # after Ctrl-C) is not the user's news; every failure that matters reaches the command as an exception
    key, before = "DASK_LOGGING__DISTRIBUTED", os.environ.get("DASK_LOGGING__DISTRIBUTED")
    os.environ[key] = str(SILENT)
    log = logging.getLogger("distributed")
    level = log.level
    log.setLevel(SILENT)
    try:
        yield
    finally:
        log.setLevel(level)
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def _connect(address: str):
    """A client of the scheduler at ``address``, or ``UsageError`` within the connect timeout."""
    import dask
    from dask.utils import parse_timedelta

    distributed = optional("distributed", extra="dask", purpose="--scheduler")

    limit = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="seconds")
    box: dict = {}

    def connect() -> None:
        try:
            box["client"] = distributed.Client(address, timeout=limit)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller, in the main thread
            box["error"] = exc

    thread = threading.Thread(target=connect, name="convpool-connect", daemon=True)
    thread.start()
    thread.join(limit + GRACE_S)
    if "client" in box:
        return box["client"]
    exc = box.get("error")
    if exc is None:
        why = f"no Dask scheduler answered within {limit:g} s (is ADDRESS a Dask scheduler's?)"
    elif isinstance(exc, (OSError, ValueError, TypeError)):
        why = " ".join(str(exc).split()) or type(exc).__name__
    else:  # e.g. a MemoryError from reading a web server's reply as a message length
        why = "what answered there is not a Dask scheduler"
    raise UsageError(f"--scheduler {address}: {why}")


@contextlib.contextmanager
def scheduler(args: argparse.Namespace):
    """A distributed client for ``--workers``/``--scheduler``, else ``None`` (Dask's threads)."""
    if args.workers is None and not args.scheduler:
        yield None
        return
    distributed = optional("distributed", extra="dask", purpose="--workers or --scheduler")

    with _quiet_logs():
        if args.scheduler:
            with _connect(args.scheduler) as client:
                yield client
            return
        # one thread per worker: each task runs convpool on one thread, the workers are the parallelism
        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None)
        with cluster, distributed.Client(cluster) as client:
            yield client
