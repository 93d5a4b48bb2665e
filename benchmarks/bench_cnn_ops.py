"""The operators of issue 27 beside PyTorch's: LP, adaptive and global pooling, max-pool indices, channels-first.

Run ``python benchmarks/bench_cnn_ops.py`` (needs torch==2.13.0). One thread each (``threads=1``,
``torch.set_num_threads(1)``), a (32, 64, 64, 16) float32 batch, the best of five runs in ms;
PyTorch gets the same values in its own NCHW layout. A shared machine makes the numbers noisy:
compare rows of one run only.
"""

from __future__ import annotations

import timeit

import numpy as np

import convpool as cp


def rows(x, xf, t, torch):
    """``(name, call)`` pairs: convpool's call, then PyTorch's."""
    f = torch.nn.functional
    return [
        ("pool 2x2 max, channels_last", lambda: cp.pool(x, 2, threads=1)),
        ("pool 2x2 max, channels_first (NCHW input)", lambda: cp.pool(xf, 2, threads=1, layout="channels_first")),
        ("torch max_pool2d", lambda: f.max_pool2d(t, 2)),
        ("adaptive_pool(x, 1): global average", lambda: cp.adaptive_pool(x, 1)),
        ("torch adaptive_avg_pool2d(t, 1)", lambda: f.adaptive_avg_pool2d(t, 1)),
        ("adaptive_pool(x, (7, 7)) avg", lambda: cp.adaptive_pool(x, (7, 7))),
        ("torch adaptive_avg_pool2d(t, 7)", lambda: f.adaptive_avg_pool2d(t, 7)),
        ("adaptive_pool(x, (7, 7)) max", lambda: cp.adaptive_pool(x, (7, 7), "max")),
        ("torch adaptive_max_pool2d(t, 7)", lambda: f.adaptive_max_pool2d(t, 7)),
        ("pool lp p=2 3x3 stride 2", lambda: cp.pool(x, 3, 2, mode="lp", p=2, threads=1)),
        ("torch lp_pool2d", lambda: f.lp_pool2d(t, 2, 3, 2)),
        ("pool 2x2 return_indices", lambda: cp.pool(x, 2, return_indices=True, threads=1)),
        ("torch max_pool2d return_indices", lambda: f.max_pool2d(t, 2, return_indices=True)),
    ]


def main() -> None:
    import torch

    torch.set_num_threads(1)
    x = np.random.default_rng(0).standard_normal((32, 64, 64, 16)).astype(np.float32)
    xf = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    t = torch.from_numpy(xf)
    for name, call in rows(x, xf, t, torch):
        best = min(timeit.repeat(call, number=1, repeat=5)) * 1e3
        print(f"{name:45s} {best:8.2f} ms")


if __name__ == "__main__":
    main()
