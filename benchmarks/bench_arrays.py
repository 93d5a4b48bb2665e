"""Arrays of other libraries through convpool: the cost of the door, and convpool against cuDNN.

Usage::

    python benchmarks/bench_arrays.py                 # CPU table (and the GPU table when CUDA is there)
    python benchmarks/bench_arrays.py --scale 0.05    # smaller batches
    python benchmarks/bench_arrays.py --gpu-only      # only the GPU table

**CPU table.** For each seed workload (``benchmarks/workloads.py``'s kernels
and shapes, batches times ``--scale``) and the CNN layer, the same values as
NumPy arrays and as PyTorch CPU tensors go through the same public function.
``torch/np`` is the cost of the door (target <= 1.1): the tensors take the
host path (zero-copy views into the NumPy engine). On a shared machine that
ratio swings with the load, so the door's fixed cost is also measured on its
own (a 1-image call, fastest runs) and ``1+ovh/t`` is the ratio it implies
for each row's NumPy time ``t``. ``native/np`` and
``core/np`` force PyTorch's own kernels and the array-API core on the same
tensors: the measurements behind the rule that CPU tensors take the host path.

**GPU table** (CUDA only). convpool on CUDA tensors against
``torch.nn.functional`` with cuDNN on the same tensors (TF32 off,
``cudnn.benchmark = True``, CUDA events): the native fast path (target <=
1.5x cuDNN) and the array-API core, and pooling against the bandwidth floor
(bytes read and written / 4.8 TB/s, an H200's HBM3e).

Candidates run interleaved (the order reversed every round), after one
warm-up call each: on the CPU, NumPy in and torch in alone for ``--repeats``
rounds, then NumPy in, native and core for half as many. Medians are shown;
ratios are ratios of medians, with the ratio of the fastest runs in brackets
(the least disturbed, on a shared machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import SPEC_CHANNELS, SPEC_GRAY, SPEC_KERNELS  # noqa: E402

import convpool  # noqa: E402
from convpool._backends import xp as _xp  # noqa: E402

#: HBM bandwidth of an NVIDIA H200 (bytes per second), for the pooling floor.
H200_BANDWIDTH = 4.8e12


def cases(scale: float, rng):
    """(name, label, function, arrays, keyword arguments) of every row."""
    m_mnist, m_animals = max(1, int(50000 * scale)), max(1, int(10000 * scale))
    mnist = (rng.random((m_mnist, 28, 28)) * 255).round().astype(np.float32)
    animals = rng.integers(0, 256, (m_animals, 32, 32, 3), dtype=np.uint8)
    layer = rng.standard_normal((64, 32, 32, 64), dtype=np.float32)
    layer_k = (rng.standard_normal((3, 3, 64, 128), dtype=np.float32) / 24).astype(np.float32)
    stem = rng.standard_normal((max(1, int(32 * scale)), 112, 112, 64), dtype=np.float32)
    gray = SPEC_GRAY.astype(np.float32)
    grayscale, channels = convpool.convolve_grayscale, convpool.convolve_channels
    return [
        ("S0", f"grayscale {mnist.shape} 3x3 valid", grayscale, (mnist, gray), {"padding": "valid"}),
        ("S1", "same", grayscale, (mnist, gray), {"padding": "same"}),
        ("S2", "padding (2, 4)", grayscale, (mnist, gray), {"padding": (2, 4)}),
        ("S3", "valid, stride 2", grayscale, (mnist, gray), {"padding": "valid", "stride": 2}),
        ("S4", f"channels {animals.shape} uint8", channels, (animals, SPEC_CHANNELS), {"padding": "valid"}),
        ("S5", "(3, 3, 3, 3) kernels", convpool.convolve, (animals, SPEC_KERNELS), {"padding": "valid"}),
        ("S6", "avg pool 2x2 stride 2", convpool.pool, (animals,), {"kernel_shape": 2, "stride": 2, "mode": "avg"}),
        ("L1", f"CNN layer {layer.shape} x {layer_k.shape}", convpool.convolve, (layer, layer_k), {"padding": "same"}),
        (
            "L3",
            f"max pool {stem.shape} 3x3 s2 same",
            convpool.pool,
            (stem,),
            {"kernel_shape": 3, "stride": 2, "padding": "same"},
        ),
    ]


def timed(thunks: dict, repeats: int, clock) -> dict:
    """Median and fastest time of each thunk, run interleaved after one warm-up call each."""
    for thunk in thunks.values():
        clock(thunk)
    times = {name: [] for name in thunks}
    order = list(thunks)
    for _ in range(repeats):
        for name in order:
            times[name].append(clock(thunks[name]))
        order.reverse()  # no candidate always runs right after another
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def wall(thunk) -> float:
    start = time.perf_counter()
    thunk()
    return time.perf_counter() - start


def ratio(times: dict, name: str, base: str) -> str:
    (med, low), (base_med, base_low) = times[name], times[base]
    return f"{med / base_med:5.2f} ({low / base_low:4.2f})"


def forced(path: str, thunk):
    def run():
        with _xp.forced(path):
            return thunk()

    return run


def door_overhead(rounds: int = 400) -> float:
    """Seconds the door adds per call: torch in minus NumPy in on a 1-image call, fastest of ``rounds`` each.

    The fastest runs of a tiny call are hardly touched by other processes, so
    this is a steadier measure of the fixed cost than ratios of large calls.
    """
    import torch

    x = np.ones((1, 8, 8, 1), np.float32)
    k = np.ones((3, 3, 1, 1), np.float32)
    xt, kt = torch.from_numpy(x), torch.from_numpy(k)
    calls = {"numpy": lambda: convpool.convolve(x, k), "torch": lambda: convpool.convolve(xt, kt)}
    fastest = timed(calls, rounds, wall)
    return fastest["torch"][1] - fastest["numpy"][1]


def cpu_table(scale: float, repeats: int, rng) -> None:
    import torch

    overhead = door_overhead()
    print(f"CPU: torch {torch.__version__}, {torch.get_num_threads()} torch threads; median seconds; ratio (fastest)")
    print(f"door overhead per call (torch in - NumPy in, 1-image call, fastest of 400): {overhead * 1e6:.0f} us")
    header = f"{'':3} {'workload':45} {'numpy in':>9} {'torch/np':>13} {'1+ovh/t':>8} {'native/np':>13} {'core/np':>13}"
    print(header)
    for name, label, func, arrays, kwargs in cases(scale, rng):
        tensors = tuple(torch.from_numpy(a) for a in arrays)
        numpy_in = lambda f=func, a=arrays, k=kwargs: f(*a, **k)  # noqa: E731
        # The door's cost on its own (the two alternate), then the forced paths against NumPy in.
        door = timed({"numpy": numpy_in, "torch": lambda f=func, t=tensors, k=kwargs: f(*t, **k)}, repeats, wall)
        others = {
            "numpy": numpy_in,
            "native": forced("native", lambda f=func, t=tensors, k=kwargs: f(*t, **k)),
            "core": forced("core", lambda f=func, t=tensors, k=kwargs: f(*t, **k)),
        }
        paths = timed(others, max(3, repeats // 2), wall)
        print(
            f"{name:3} {label:45} {door['numpy'][0]:9.4f} {ratio(door, 'torch', 'numpy'):>13} "
            f"{1 + overhead / door['numpy'][0]:8.3f} "
            f"{ratio(paths, 'native', 'numpy'):>13} {ratio(paths, 'core', 'numpy'):>13}",
            flush=True,
        )


def cuda_clock(thunk) -> float:
    import torch

    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    thunk()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1000


def gpu_table(scale: float, repeats: int, rng, device: str = "cuda") -> None:
    """The GPU table; ``device='cpu'`` runs it on the CPU with wall-clock times (to check the script)."""
    import torch

    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    clock = cuda_clock if device == "cuda" else wall
    where = torch.cuda.get_device_name() if device == "cuda" else "CPU (checking the script only)"
    print(f"GPU table on {where}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}")
    print(f"{'':3} {'workload':45} {'cuDNN s':>9} {'native/cuDNN':>13} {'core/cuDNN':>13} {'floor s':>9}")
    for name, label, func, arrays, kwargs in cases(scale, rng):
        on_gpu = tuple(torch.from_numpy(a).to(device) for a in arrays)
        with _xp.forced("native"):
            result = func(*on_gpu, **kwargs)
        peer = _peer(func, on_gpu, kwargs, result.dtype)
        assert torch.allclose(peer().permute(0, 2, 3, 1).reshape(result.shape), result, rtol=1e-4, atol=1e-3)
        thunks = {
            "cudnn": peer,
            "native": forced("native", lambda f=func, t=on_gpu, k=kwargs: f(*t, **k)),
            "core": forced("core", lambda f=func, t=on_gpu, k=kwargs: f(*t, **k)),
        }
        t = timed(thunks, repeats, clock)
        floor = ""
        if func is convpool.pool:
            floor = f"{(on_gpu[0].nbytes + result.nbytes) / H200_BANDWIDTH:9.2e}"
        print(
            f"{name:3} {label:45} {t['cudnn'][0]:9.2e} {ratio(t, 'native', 'cudnn'):>13} "
            f"{ratio(t, 'core', 'cudnn'):>13} {floor:>9}",
            flush=True,
        )


def _peer(func, arrays, kwargs, dtype):
    """torch.nn.functional in convpool's result dtype on the same tensors: NCHW views of NHWC memory (channels_last)."""
    import torch.nn.functional as F  # noqa: N812

    x = arrays[0]
    if func is convpool.pool:
        nchw = x.to(dtype).permute(0, 3, 1, 2)
        if kwargs.get("mode", "max") == "avg":
            return lambda: F.avg_pool2d(nchw, kwargs["kernel_shape"], kwargs["stride"])
        # 'same' at stride 2 for 3x3 on an even size: one cell after, none before -> pad with -inf
        padded = F.pad(nchw, (0, 1, 0, 1), value=-float("inf")) if kwargs.get("padding") == "same" else nchw
        return lambda: F.max_pool2d(padded, kwargs["kernel_shape"], kwargs["stride"])
    k = arrays[1].to(dtype)
    if func is convpool.convolve_grayscale:
        x, k = x[..., None], k[:, :, None, None]
    elif func is convpool.convolve_channels:
        k = k[..., None]
    nchw = x.to(dtype).permute(0, 3, 1, 2)
    weights = k.permute(3, 2, 0, 1).contiguous()
    pad = {"valid": 0, "same": 1}.get(kwargs.get("padding"), kwargs.get("padding"))
    stride = kwargs.get("stride", 1)
    return lambda: F.conv2d(nchw, weights, stride=stride, padding=pad)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="batch sizes times this (default 0.1)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--gpu-only", action="store_true")
    parser.add_argument("--gpu-scale", type=float, default=1.0, help="batch sizes of the GPU table (default 1)")
    parser.add_argument("--gpu-table-on-cpu", action="store_true", help="run the GPU table's code on the CPU")
    args = parser.parse_args(argv)
    import torch

    rng = np.random.default_rng(0)
    if not args.gpu_only:
        cpu_table(args.scale, args.repeats, rng)
    if torch.cuda.is_available() or args.gpu_table_on_cpu:
        gpu_table(args.gpu_scale, args.repeats, rng, "cuda" if torch.cuda.is_available() else "cpu")
    else:
        print("no CUDA device: GPU table not measured")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
