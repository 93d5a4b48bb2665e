"""Small calls against PyTorch (CPU), per call: tiny arrays and the LeNet-5 layers of the lecture notes.

Run ``make bench-small`` or ``python benchmarks/bench_small.py [--repeat 15] [--seconds 0.2]``.

Each case computes the same thing in convpool (NHWC, NumPy) and PyTorch
(NCHW tensors prepared outside the timing); the results are checked to agree
before timing. A run is as many calls in a row of one library as last
``--seconds`` (0.2 s). The first run of each library after the other is
thrown away (it absorbs the other library's spinning OpenMP/BLAS threads,
which OpenBLAS keeps busy for about 0.1 s after a call), so every number is
a library's second consecutive run. The table shows per-call medians over ``--repeat``
runs, the ratio convpool / PyTorch (median, and its range over the runs) and
the target. For the LeNet layers it also shows NumPy's floor for that layer:
the time of the im2col gather alone and of the GEMM alone, the two steps
convpool's small-work path takes.

The cases (float32 unless said):

* ``tiny``: ``(1, 8, 8, 1)`` float64 with a 3x3 kernel 'same' (convolve and its
  backward), 2x2 max pooling (target: at most 5x PyTorch);
* ``lenet``: batch 32, conv1 5x5 1->6 'same' on 28x28, max pool 2x2, conv2 5x5
  6->16 'valid' on 14x14, max pool 2x2; forward and backward (target 2x).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

import convpool

TORCH_THREADS = 2


def _calls_for(run, seconds: float) -> int:
    """How many calls of ``run`` last about ``seconds``: long enough to outlast the other library's spinning threads."""
    start = time.perf_counter()
    run()
    return max(1, math.ceil(seconds / max(time.perf_counter() - start, 1e-7)))


def _median_per_call(run, calls: int, repeat: int) -> list[float]:
    """Per-call seconds of ``repeat`` timed runs, each after one untimed run (the second consecutive)."""
    times = []
    for _ in range(repeat):
        for _ in range(calls):  # the first run after the other library: not timed
            run()
        start = time.perf_counter()
        for _ in range(calls):
            run()
        times.append((time.perf_counter() - start) / calls)
    return times


def _cases(torch, rng):
    f = torch.nn.functional
    nchw = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))  # noqa: E731
    oihw = lambda k: torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))  # noqa: E731
    cases = []

    def conv_pair(name, x, k, padding, torch_padding, target):
        g = rng.standard_normal(convpool.convolve(x, k, padding).shape).astype(x.dtype)
        xt, kt, gt = nchw(x), oihw(k), nchw(g)
        xg, kg = xt.clone().requires_grad_(), kt.clone().requires_grad_()

        def torch_backward():
            out = f.conv2d(xg, kg, padding=torch_padding)
            return torch.autograd.grad(out, (xg, kg), gt)

        cases.append(
            (
                f"{name} forward",
                lambda: convpool.convolve(x, k, padding),
                lambda: f.conv2d(xt, kt, padding=torch_padding),
                target,
                (x, k, padding),
            )
        )
        cases.append((f"{name} backward", lambda: convpool.convolve_backward(g, x, k, padding),
                      torch_backward, target, None))  # fmt: skip

    def pool_pair(name, x, target):
        g = rng.standard_normal(convpool.pool(x, 2, 2).shape).astype(x.dtype)
        xt, gt = nchw(x), nchw(g)
        xg = xt.clone().requires_grad_()
        cases.append((f"{name} forward", lambda: convpool.pool(x, 2, 2), lambda: f.max_pool2d(xt, 2, 2), target, None))
        cases.append((f"{name} backward", lambda: convpool.pool_backward(g, x, 2, 2),
                      lambda: torch.autograd.grad(f.max_pool2d(xg, 2, 2), xg, gt), target, None))  # fmt: skip

    tiny = rng.standard_normal((1, 8, 8, 1))
    conv_pair("tiny conv 3x3", tiny, rng.standard_normal((3, 3, 1, 1)), "same", 1, 5.0)
    pool_pair("tiny max pool 2x2", tiny, 5.0)
    x1 = rng.standard_normal((32, 28, 28, 1)).astype(np.float32)
    conv_pair("lenet conv1 5x5 1->6", x1, rng.standard_normal((5, 5, 1, 6)).astype(np.float32), "same", 2, 2.0)
    pool_pair("lenet pool1 (32, 28, 28, 6)", rng.standard_normal((32, 28, 28, 6)).astype(np.float32), 2.0)
    x2 = rng.standard_normal((32, 14, 14, 6)).astype(np.float32)
    conv_pair("lenet conv2 5x5 6->16", x2, rng.standard_normal((5, 5, 6, 16)).astype(np.float32), "valid", 0, 2.0)
    pool_pair("lenet pool2 (32, 10, 10, 16)", rng.standard_normal((32, 10, 10, 16)).astype(np.float32), 2.0)
    return cases


def _agree(convpool_run, torch_run) -> None:
    """Both libraries compute the same: images NCHW -> NHWC, a kernel gradient OIHW -> (kh, kw, c, nc)."""
    ours, theirs = convpool_run(), torch_run()
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    layouts = ((0, 2, 3, 1), (2, 3, 1, 0))
    for o, t, layout in zip(ours, theirs, layouts, strict=False):
        np.testing.assert_allclose(o, t.detach().numpy().transpose(layout), rtol=1e-3, atol=1e-3)


def _floor(spec, calls: int, repeat: int) -> str:
    """NumPy's floor for a convolution layer: its padded im2col gather alone, and its GEMM alone (per call, us)."""
    if spec is None:
        return ""
    from convpool._backends.numpy import small
    from convpool._plan.plans import conv_plan

    x, k, padding = spec
    plan = conv_plan(x.shape, x.dtype, k.shape, k.dtype, padding, 1, 1, "constant", 0, 1)
    cols, weights = small._columns(plan, x), k.reshape(-1, k.shape[3])
    gather = statistics.median(_median_per_call(lambda: small._columns(plan, x), calls, repeat))
    gemm = statistics.median(_median_per_call(lambda: cols @ weights, calls, repeat))
    return f"gather {gather * 1e6:.0f} + GEMM {gemm * 1e6:.0f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per library (default 15)")
    parser.add_argument("--seconds", type=float, default=0.2, help="length of one run of calls (default 0.2 s)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(TORCH_THREADS)
    rng = np.random.default_rng(5)
    print(
        f"convpool {convpool.__version__}, torch {torch.__version__} ({TORCH_THREADS} threads), numpy {np.__version__}"
    )
    print(
        "per-call medians of the second consecutive run; ratio = convpool / PyTorch (median, [min - max] over runs)\n"
    )
    print("| case | convpool us | PyTorch us | ratio | range | target | NumPy floor (us) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, ours, theirs, target, spec in _cases(torch, rng):
        _agree(ours, theirs)
        # OpenBLAS's threads spin ~0.1 s after a call, OpenMP's a while too: each library's untimed first run
        # lasts longer than that, so the timed second run has the cores to itself
        calls = _calls_for(ours, args.seconds), _calls_for(theirs, args.seconds)
        mine, peer = [], []
        for _ in range(args.repeat):  # alternate the libraries run by run
            mine += _median_per_call(ours, calls[0], 1)
            peer += _median_per_call(theirs, calls[1], 1)
        ratios = [a / b for a, b in zip(mine, peer, strict=True)]
        ratio = statistics.median(mine) / statistics.median(peer)
        verdict = "met" if ratio <= target else "MISSED"
        print(f"| {name} | {statistics.median(mine) * 1e6:.1f} | {statistics.median(peer) * 1e6:.1f} | "
              f"{ratio:.2f} | {min(ratios):.2f} - {max(ratios):.2f} | <= {target:g}: {verdict} | "
              f"{_floor(spec, calls[0], 3)} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
