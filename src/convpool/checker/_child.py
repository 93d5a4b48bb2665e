"""The child process that imports and runs a student's function (run as a script, never imported by convpool).

Usage: ``python -B _child.py WORKDIR MODULE_PATH FUNCTION MEMORY_BYTES``.
It reads the cases from ``WORKDIR/cases.json`` and ``WORKDIR/arrays.npz``,
and for case ``i`` writes ``start-i`` before the call, then ``out-i.npy`` and
``res-i.json`` after it. The parent never unpickles anything written here.
Only the standard library and NumPy are used, so nothing of convpool's
process is shared with the student's code.
"""

import importlib.util
import json
import os
import resource
import sys
import time
import traceback

#: The memory cap above the child's own footprint, in bytes (for messages).
_EXTRA = 0

#: Results bigger than this are described, not saved.
_MAX_SAVED_BYTES = 256 << 20


def _vm_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit_memory(extra: int) -> None:
    """Cap the address space at what is mapped now plus ``extra`` bytes; no core files."""
    global _EXTRA
    _EXTRA = extra
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if extra > 0 and os.path.exists("/proc/self/status"):
        cap = _vm_bytes() + extra
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _write_json(path: str, obj: dict) -> None:
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.replace(path + ".tmp", path)


def _error_text(exc: BaseException) -> str:
    """The traceback from the student's code on (this script's own frames left out)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    lines = traceback.format_list(frames[-4:]) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-2000:].rstrip()


def _decode(value, arrays):
    if isinstance(value, dict) and "array" in value:
        return arrays[value["array"]]
    if isinstance(value, list):
        return tuple(_decode(v, arrays) for v in value)
    return value


def _import(path: str, function: str):
    folder, name = os.path.split(path)
    sys.path.insert(0, folder)  # the student's sibling files may import each other, as the spec's mains do
    stem = name[:-3] if name.endswith(".py") else name
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    spec.loader.exec_module(module)
    func = getattr(module, function, None)
    return module, func


def _call(np, func, case: dict, arrays) -> tuple[dict, object]:
    args = [_decode(a, arrays) for a in case["args"]]
    kwargs = {k: _decode(v, arrays) for k, v in case["kwargs"].items()}
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
    try:
        out, seconds = _timed(func, args, kwargs, case.get("repeats", 1))
    except MemoryError:
        return {"status": "memory", "message": f"MemoryError with the memory capped at {_EXTRA >> 20} MiB"}, None
    except BaseException as exc:  # the student's error, SystemExit included, is a result
        return {"status": "raised", "message": _error_text(exc)}, None
    modified = [i for i, (a, b) in enumerate(zip(args, before, strict=False)) if b is not None and not _same(np, a, b)]
    result = {"status": "ok", "seconds": seconds, "modified": modified}
    if not isinstance(out, np.ndarray):
        result.update(status="not-array", message=f"returned {type(out).__name__}, not a numpy.ndarray")
        return result, None
    result.update(shape=list(out.shape), dtype=out.dtype.str)
    if out.dtype.kind not in "biuf":
        result.update(status="not-numeric", message=f"returned an array of dtype {out.dtype}")
        return result, None
    return result, out


def _timed(func, args, kwargs, repeats: int):
    """The result of the first call and the median time of up to ``repeats`` calls (at most ~3 s in all)."""
    times, out = [], None
    for i in range(repeats):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        times.append(time.perf_counter() - start)
        out = result if i == 0 else out
        if sum(times) > 3.0:
            break
    return out, sorted(times)[len(times) // 2]


def _same(np, a, b) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def main(workdir: str, path: str, function: str, memory: int) -> None:
    import faulthandler

    import numpy as np

    faulthandler.enable()  # a segfault leaves the Python lines that led to it in the log

    with open(os.path.join(workdir, "cases.json")) as f:
        cases = json.load(f)["cases"]
    with np.load(os.path.join(workdir, "arrays.npz"), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    _limit_memory(memory)
    try:
        module, func = _import(path, function)
    except BaseException as exc:
        _write_json(os.path.join(workdir, "import.json"), {"status": "raised", "message": _error_text(exc)})
        return
    info = {"status": "ok" if callable(func) else "missing", "module_doc": bool(getattr(module, "__doc__", None))}
    info["function_doc"] = bool(getattr(func, "__doc__", None)) if callable(func) else False
    _write_json(os.path.join(workdir, "import.json"), info)
    if not callable(func):
        return
    for i, case in enumerate(cases):
        open(os.path.join(workdir, f"start-{i}"), "w").close()
        result, out = _call(np, func, case, arrays)
        if out is not None and out.nbytes <= _MAX_SAVED_BYTES:
            np.save(os.path.join(workdir, f"out-{i}.npy"), out, allow_pickle=False)
        _write_json(os.path.join(workdir, f"res-{i}.json"), result)
        if result["status"] == "memory":
            return  # the next call would only exhaust memory again


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
