"""The one format of the messages between the checker and its child: a JSON header, then raw array bytes.

A message is 4 bytes (big-endian header length), the JSON header, then the
bytes of every array it lists (``{"arrays": [{"dtype": "<f8", "shape": [2, 3]}, ...]}``)
one after the other, C order. No pickle: the reader checks every dtype and
shape against its caps before it reads a byte of data. The child runs this
very file's text (it cannot import convpool), so only the standard library and
NumPy are used here.
"""

import json
import os
import select
import time

#: The largest JSON header a reader accepts.
MAX_HEADER = 1 << 16

#: dtype kinds an array on the wire may have: booleans, integers, floats.
KINDS = "biuf"


class WireError(Exception):
    """A message that breaks the format or is over a cap."""


class TooBigError(WireError):
    """A message whose arrays are over the reader's cap (refused before any of their bytes is read)."""


def _wait(fd, events, deadline):
    poller = select.poll()
    poller.register(fd, events)
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if poller.poll(None if left is None else int(left * 1000) + 1):
            return
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError


def wait_readable(fd, deadline=None):
    """Return when the pipe ``fd`` has something to read (or is closed); TimeoutError past ``deadline``."""
    _wait(fd, select.POLLIN, deadline)


def write_all(fd, data, deadline=None):
    """Write every byte of ``data`` to the pipe ``fd`` (TimeoutError past ``deadline``, a monotonic time)."""
    view = memoryview(data).cast("B")
    while len(view):
        _wait(fd, select.POLLOUT, deadline)
        try:
            view = view[os.write(fd, view[: 1 << 20]) :]
        except BlockingIOError:
            continue


def read_exactly(fd, n, deadline=None):
    """``n`` bytes from the pipe ``fd``; WireError at its end, TimeoutError past ``deadline``."""
    out = bytearray(n)
    view, got = memoryview(out), 0
    while got < n:
        _wait(fd, select.POLLIN, deadline)
        try:
            chunk = os.readv(fd, [view[got:]])
        except BlockingIOError:
            continue
        if chunk == 0:
            raise WireError("the pipe closed in the middle of a message")
        got += chunk
    return out


def send(fd, header, arrays=(), deadline=None):
    """Write one message: ``header`` (a dict of JSON values) and ``arrays`` (NumPy arrays, sent C-ordered)."""
    import numpy as np

    arrays = [np.ascontiguousarray(a) for a in arrays]
    header = dict(header, arrays=[{"dtype": a.dtype.str, "shape": list(a.shape)} for a in arrays])
    head = json.dumps(header).encode()
    write_all(fd, len(head).to_bytes(4, "big") + head, deadline)
    for a in arrays:
        write_all(fd, a.reshape(-1).view(np.uint8) if a.size else b"", deadline)


def _layout(entry, max_bytes):
    """The dtype, shape and byte count of one header entry, refused unless plain numbers within the cap."""
    import numpy as np

    if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
        raise WireError("an array entry without a dtype string")
    if not isinstance(entry.get("shape"), list):
        raise WireError("an array entry without a dtype string and a shape list")
    try:
        dtype = np.dtype(entry["dtype"])
    except (TypeError, ValueError):
        raise WireError(f"unknown dtype {entry['dtype'][:40]!r}") from None
    if dtype.kind not in KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"dtype {dtype} is not a plain number type")
    shape = entry["shape"]
    if len(shape) > 8 or not all(type(d) is int and 0 <= d < 1 << 40 for d in shape):
        raise WireError("a shape that is not up to 8 non-negative integers")
    nbytes = dtype.itemsize
    for d in shape:
        nbytes *= d
    if nbytes > max_bytes:
        raise TooBigError(f"an array of {nbytes} bytes, over the cap of {max_bytes}")
    return dtype, tuple(shape), nbytes


def receive(fd, max_bytes, deadline=None):
    """One message: its header and its arrays (read-only views, never more than ``max_bytes`` in all)."""
    import numpy as np

    size = int.from_bytes(read_exactly(fd, 4, deadline), "big")
    if size > MAX_HEADER:
        raise WireError(f"a header of {size} bytes, over the cap of {MAX_HEADER}")
    try:
        header = json.loads(bytes(read_exactly(fd, size, deadline)))
    except ValueError:
        raise WireError("a header that is not JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays", []), list):
        raise WireError("a header that is not a JSON object with a list of arrays")
    layouts, arrays = [], []
    for entry in header.get("arrays", []):
        layouts.append(_layout(entry, max_bytes))
        max_bytes -= layouts[-1][2]
    for dtype, shape, nbytes in layouts:
        data = read_exactly(fd, nbytes, deadline)
        arrays.append(np.frombuffer(data, dtype=dtype).reshape(shape))
    return header, arrays
