"""The child process that imports and runs a student's function (its text is run with ``python -I -B -c``).

The parent (:mod:`.sandbox`) runs this text with the line that imports
:mod:`._wire` replaced by ``_wire.py``'s own text, so that the child needs
nothing of convpool, which it cannot import: the student's code may not
compute convpool's answers. Arguments: ``READ_FD WRITE_FD MODULE_PATH
FUNCTION MEMORY_BYTES REFERENCE`` (``1``: convpool's own
``tasks/``, which may import convpool). The protocol, over two pipes, the cases never on
disk:

1. child -> parent: ``{"type": "imported", ...}`` (or ``import-raised``);
2. parent -> child: ``{"type": "case", "args": ..., "kwargs": ...}`` with its arrays;
3. child -> parent: ``{"type": "result", "status": ...}`` with the result and every
   array argument as it is after the call (the parent compares them with its own copies);
4. repeated until the parent closes the pipe.

Timing, comparison and every check are the parent's: nothing here is trusted.
"""

import errno
import os
import resource
import sys
import traceback

from convpool.checker._wire import receive, send  # the parent puts _wire.py's text here

#: What the child may receive in one message (a case: the spec's timed workload is a few MB).
_MAX_CASE = 1 << 30

#: Bytes the student's code may write to stdout and stderr (a log file) before writes fail.
MAX_OUTPUT = 1 << 20

#: Processes and threads the child's user may run (RLIMIT_NPROC), on top of those it runs already.
EXTRA_PROCESSES = 8


class _NoConvpool:
    """A meta-path finder that refuses convpool: the student's code must compute its answers itself."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "convpool" or name.startswith("convpool."):
            raise ImportError("convpool cannot be imported by the code being checked")
        return None


def _vm_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _count_processes():
    """Processes of this user now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        try:
            count += entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid
        except OSError:
            pass
    return count


def _limit(extra_memory):
    """No core files, capped output, few processes, the address space capped at what is mapped now plus ``extra``."""
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT, MAX_OUTPUT))
    if os.getuid() != 0:  # root ignores RLIMIT_NPROC; the parent never runs a child as root when it can help it
        limit = _count_processes() + EXTRA_PROCESSES
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    if extra_memory > 0 and os.path.exists("/proc/self/status"):
        cap = _vm_bytes() + extra_memory
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _error_text(exc, path):
    """The traceback from the student's code on (the harness's own frames left out), paths as bare names."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != "<string>"]
    lines = traceback.format_list(frames[-4:]) + traceback.format_exception_only(type(exc), exc)
    text = "".join(lines).replace(os.path.dirname(path) + os.sep, "")
    return text[-2000:].rstrip()


def _decode(value, arrays):
    if isinstance(value, dict) and "array" in value:
        return arrays[value["array"]]
    if isinstance(value, list):
        return tuple(_decode(v, arrays) for v in value)
    if isinstance(value, str):
        return sys.intern(value)  # as a main file's literal 'same' is: `padding is 'same'` behaves the same
    return value


def _import(path, function):
    folder, name = os.path.split(path)
    sys.path.insert(0, folder)  # the student's sibling files may import each other, as the spec's mains do
    module = __import__(name[:-3] if name.endswith(".py") else name)
    return module, getattr(module, function, None)


def _call(np, func, header, arrays):
    """Call ``func`` on one case; the result's header and arrays (its output, then the array arguments after)."""
    args = [_decode(a, arrays) for a in header["args"]]
    kwargs = {k: _decode(v, arrays) for k, v in header["kwargs"].items()}
    inputs = [a for a in args if isinstance(a, np.ndarray)]
    try:
        out = func(*args, **kwargs)
    except MemoryError:
        return {"status": "memory", "message": f"MemoryError with the memory capped at {_LIMITS[0] >> 20} MiB"}, []
    except BaseException as exc:  # the student's error, SystemExit included, is a result
        message = _error_text(exc, _LIMITS[1])
        if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            message += f"\n(the function wrote more than {MAX_OUTPUT >> 20} MiB to stdout and stderr: print less)"
        return {"status": "raised", "message": message}, []
    if not isinstance(out, np.ndarray):
        return {"status": "not-array", "message": f"returned {type(out).__name__}, not a numpy.ndarray"}, inputs
    if out.dtype.kind not in "biuf" or out.dtype.fields is not None:
        return {"status": "not-numeric", "message": f"returned an array of dtype {out.dtype}"}, inputs
    return {"status": "ok", "output": True}, [out, *inputs]


#: (the memory cap, the student's file) for messages.
_LIMITS: list = [0, ""]


def main(read_fd, write_fd, path, function, memory, reference=False):
    """Import the student's file, then answer every case the parent sends until it closes the pipe."""
    import faulthandler

    import numpy as np

    faulthandler.enable()  # a segfault leaves the Python lines that led to it in the log
    if not reference:
        sys.meta_path.insert(0, _NoConvpool())
    _LIMITS[:] = [memory, path]
    _limit(memory)
    try:
        module, func = _import(path, function)
    except BaseException as exc:
        send(write_fd, {"type": "import-raised", "message": _error_text(exc, path)})
        return
    info: dict = {"type": "imported", "status": "ok" if callable(func) else "missing"}
    info["module_doc"] = bool(getattr(module, "__doc__", None))
    info["function_doc"] = bool(getattr(func, "__doc__", None)) if callable(func) else False
    send(write_fd, info)
    while callable(func):
        try:
            header, arrays = receive(read_fd, _MAX_CASE)
        except Exception:  # the parent closed the pipe: no more cases
            return
        result, out = _call(np, func, header, arrays)
        send(write_fd, dict(result, type="result"), out)
        if result["status"] == "memory":
            return  # the next call would only exhaust memory again


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6] == "1")
