"""The benchmark workloads: inputs, convpool's call and every peer's call on the inputs it needs.

Each workload is a :class:`Workload`: a name, a target (convpool's time at
most ``target`` times the fastest peer's), and candidates. A candidate is
``(name, prepare, run, to_common)``: ``prepare()`` builds the peer's own input
layout outside the timing (NCHW tensors, planar float copies, pre-padded
arrays), ``run(prepared)`` is what is timed, and ``to_common(result)`` turns
the result into convpool's layout for the agreement check (outside the timing).
Peers whose package is missing are left out.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import convpool
from convpool import exercise

#: Issue 25's targets: every S and L workload at most this many times the fastest peer ...
PEER_TARGET = 0.5
#: ... and the exercise's own (S0/S1, 2x2 max pooling) at most this many times reading the input and writing the
#: output once at this machine's copy bandwidth.
FLOOR_TARGET = 2.0

#: The spec's kernels, as the integer arrays its main files build (integers keep float32 images float32).
SPEC_GRAY, SPEC_CHANNELS, SPEC_KERNELS = exercise.EDGE, exercise.SHARPEN, exercise.BANK

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_SCIPY = importlib.util.find_spec("scipy") is not None
HAVE_CV2 = importlib.util.find_spec("cv2") is not None


@dataclass
class Candidate:
    name: str
    prepare: object
    run: object
    to_common: object = staticmethod(lambda r: r)
    once: bool = False  # slow peers (naive loops, einsum on big batches) run a single time
    floor: bool = False  # a limit of this machine (copy bandwidth, sgemm), not a peer
    scale: float = 1.0  # the reported time is the measured one times this (a floor's bytes over the copy's)


@dataclass
class Workload:
    name: str
    label: str
    target: float
    candidates: list = field(default_factory=list)
    rtol: float = 1e-7
    atol: float = 1e-7
    #: convpool's time at most this many times its floor (None: the floor is shown, not a target)
    floor_target: float | None = None
    #: the flops of a floor that is a GEMM (its GFLOP/s is printed)
    flops: float = 0.0


def _same(x):
    return lambda: x


def copy_floor(x: np.ndarray, out_shape: tuple, out_dtype) -> Candidate:
    """Read ``x`` and write an ``out_shape`` result once, at the bandwidth of ``np.copyto(buffer, x)``.

    The copy of ``x`` into a preallocated array moves ``2 * x.nbytes``; the floor is the time it takes
    scaled to ``x.nbytes + out bytes``.
    """
    out_bytes = int(np.prod(out_shape)) * np.dtype(out_dtype).itemsize
    scale = (x.nbytes + out_bytes) / (2 * x.nbytes)
    return Candidate("copy floor", lambda: (x, np.empty_like(x)), lambda a: np.copyto(a[1], a[0]), floor=True,
                     scale=scale)  # fmt: skip


def sgemm_floor(rows: int, depth: int, cols: int) -> Candidate:
    """NumPy's float32 matrix product of a layer's im2col sizes into a preallocated result: its flops' time."""

    def prepare():
        rng = np.random.default_rng(1)
        a = rng.standard_normal((rows, depth), dtype=np.float32)
        b = rng.standard_normal((depth, cols), dtype=np.float32)
        return a, b, np.empty((rows, cols), np.float32)

    return Candidate("sgemm floor", prepare, lambda a: np.matmul(a[0], a[1], out=a[2]), floor=True)


def gaussian(size: int, sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian taps at ``-(size // 2) ... size // 2`` (SciPy's formula)."""
    r = np.arange(size) - size // 2
    g = np.exp(-0.5 * (r / sigma) ** 2)
    return g / g.sum()


# --- generic peers -----------------------------------------------------------------------------


def naive_gray(x, k, pads, stride):
    """The exercise's two-loop method: loop over output pixels, vectorised over the batch."""
    (t, b), (left, r) = pads
    xp = np.pad(x, ((0, 0), (t, b), (left, r)))
    kh, kw = k.shape
    sh, sw = stride
    oh = (xp.shape[1] - kh) // sh + 1
    ow = (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw] * k, axis=(1, 2))
    return out


def naive_conv(x, k):
    """Two loops over output pixels for (m, h, w, c) images and (kh, kw, c, nc) kernels, valid."""
    kh, kw, _, nc = k.shape
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], oh, ow, nc))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.tensordot(x[:, i : i + kh, j : j + kw], k, axes=3)
    return out


def naive_pool_avg(x, k, s):
    oh, ow = (x.shape[1] - k) // s + 1, (x.shape[2] - k) // s + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.mean(x[:, i * s : i * s + k, j * s : j * s + k], axis=(1, 2))
    return out


def einsum_idiom(x4, k4, pads, stride):
    """NumPy idiom: ``sliding_window_view`` + ``einsum`` (no im2col copy of the batch)."""
    (t, b), (left, r) = pads
    xp = np.pad(x4, ((0, 0), (t, b), (left, r), (0, 0))) if t + b + left + r else x4
    windows = sliding_window_view(xp, k4.shape[:2], axis=(1, 2))[:, :: stride[0], :: stride[1]]
    return np.einsum("nijcab,abco->nijo", windows, k4, optimize=True)


# --- workloads -----------------------------------------------------------------------------------


def grayscale_workloads(m: int, rng) -> list[Workload]:
    cases = [
        ("S0", "valid", ((0, 0), (0, 0)), (1, 1), lambda x, k: convpool.convolve_grayscale_valid(x, k)),
        ("S1", "same", ((1, 1), (1, 1)), (1, 1), lambda x, k: convpool.convolve_grayscale_same(x, k)),
        (
            "S2",
            "padding (2, 4)",
            ((2, 2), (4, 4)),
            (1, 1),
            lambda x, k: convpool.convolve_grayscale_padding(x, k, (2, 4)),
        ),
        (
            "S3",
            "valid, stride 2",
            ((0, 0), (0, 0)),
            (2, 2),
            lambda x, k: convpool.convolve_grayscale(x, k, "valid", (2, 2)),
        ),
    ]
    images = (rng.random((m, 28, 28)) * 255).round()
    result = []
    for dtype in (np.float64, np.float32):
        x = images.astype(dtype)
        k = SPEC_GRAY.astype(dtype)
        for name, label, pads, stride, call in cases:
            w = Workload(f"{name} {np.dtype(dtype).name}", f"grayscale {x.shape} 3x3 {label}", PEER_TARGET)
            w.rtol, w.atol = (1e-5, 1e-3) if dtype == np.float32 else (1e-9, 1e-9)
            w.candidates.append(Candidate("convpool", _same((x, k)), lambda a, call=call: call(*a)))
            w.candidates += _grayscale_peers(x, k, pads, stride)
            if name in ("S0", "S1"):
                w.candidates.append(copy_floor(x, (m, 26, 26) if name == "S0" else x.shape, dtype))
                w.floor_target = FLOOR_TARGET
            result.append(w)
    return result


def _grayscale_peers(x, k, pads, stride):
    (t, b), (left, r) = pads
    sh, sw = stride
    kh, kw = k.shape
    peers = []
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        def prep_torch():
            xt = torch.from_numpy(x)[:, None]
            if t != b or left != r:
                xt = tnf.pad(xt, (left, r, t, b))
                return xt, torch.from_numpy(k)[None, None], 0
            return xt, torch.from_numpy(k)[None, None], (t, left)

        peers.append(
            Candidate(
                "torch",
                prep_torch,
                lambda a: tnf.conv2d(a[0], a[1], padding=a[2], stride=stride),
                lambda r_: r_[:, 0].numpy(),
            )
        )
    # SciPy and OpenCV give same-size outputs centred on the 3x3 kernel: pad, filter, cut.
    crop = (slice(None), slice(kh // 2, None if kh // 2 == 0 else -(kh // 2), sh), slice(kw // 2, -(kw // 2), sw))
    padded = bool(t + b + left + r)
    if HAVE_SCIPY:
        from scipy import ndimage

        peers.append(
            Candidate(
                "scipy.ndimage",
                lambda: np.pad(x, ((0, 0), (t, b), (left, r))) if padded else x,
                lambda a: ndimage.correlate(a, k[None], mode="constant")[crop],
            )
        )
    if HAVE_CV2:
        import cv2

        def run_cv(a):
            first = cv2.filter2D(a[0], -1, k, borderType=cv2.BORDER_CONSTANT)[crop[1:]]
            out = np.empty((a.shape[0],) + first.shape, x.dtype)
            for i in range(a.shape[0]):
                out[i] = cv2.filter2D(a[i], -1, k, borderType=cv2.BORDER_CONSTANT)[crop[1:]]
            return out

        peers.append(
            Candidate("opencv filter2D", lambda: np.pad(x, ((0, 0), (t, b), (left, r))) if padded else x, run_cv)
        )
    peers.append(
        Candidate(
            "numpy einsum",
            _same((x[..., None], k[:, :, None, None])),
            lambda a: einsum_idiom(a[0], a[1], pads, stride)[..., 0],
            once=True,  # seconds per call at full size, 10x off the pace: once is enough
        )
    )
    peers.append(Candidate("naive loops", _same(x), lambda a: naive_gray(a, k, pads, stride), once=True))
    return peers


def channel_workloads(m: int, rng) -> list[Workload]:
    x = (rng.random((m, 32, 32, 3)) * 256).astype(np.uint8)
    s4 = Workload("S4", f"convolve_channels {x.shape} uint8, (3, 3, 3) valid", PEER_TARGET)
    s4.candidates.append(
        Candidate("convpool", _same((x, SPEC_CHANNELS)), lambda a: convpool.convolve_channels(*a, padding="valid"))
    )
    s4.candidates += _channel_peers(x, SPEC_CHANNELS[..., None], lambda r: r[..., 0])
    s5 = Workload("S5", f"convolve {x.shape} uint8, (3, 3, 3, 3) valid", PEER_TARGET)
    s5.candidates.append(
        Candidate("convpool", _same((x, SPEC_KERNELS)), lambda a: convpool.convolve(*a, padding="valid"))
    )
    s5.candidates += _channel_peers(x, SPEC_KERNELS, lambda r: r)
    s6 = Workload("S6", f"pool {x.shape} uint8, avg 2x2 stride 2", PEER_TARGET)
    s6.candidates.append(Candidate("convpool", _same(x), lambda a: convpool.pool(a, (2, 2), (2, 2), mode="avg")))
    s6.candidates += _pool_peers(x)
    return [s4, s5, s6, max_pool_workload(x.astype(np.float32)), *float32_workloads(x)]


def max_pool_workload(x: np.ndarray) -> Workload:
    """The exercise's 2x2 max pooling of the photos in float32, beside its copy floor and PyTorch."""
    m, h, w, c = x.shape
    s6m = Workload("S6 max f32", f"pool {x.shape} float32, max 2x2 stride 2", PEER_TARGET, rtol=0, atol=0)
    s6m.floor_target = FLOOR_TARGET
    s6m.candidates.append(Candidate("convpool", _same(x), lambda a: convpool.pool(a, (2, 2), (2, 2), mode="max")))
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        s6m.candidates.append(
            Candidate(
                "torch",
                lambda: torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(),
                lambda a: tnf.max_pool2d(a, 2, 2),
                lambda r: r.permute(0, 2, 3, 1).numpy(),
            )
        )
    s6m.candidates.append(
        Candidate("numpy reshape-max", _same(x), lambda a: a.reshape(m, h // 2, 2, w // 2, 2, c).max(axis=(2, 4)))
    )
    s6m.candidates.append(copy_floor(x, (m, h // 2, w // 2, c), x.dtype))
    return s6m


def float32_workloads(x) -> list[Workload]:
    """S4 and S5 computed in float32 (``dtype=np.float32``) beside PyTorch float32: target half its time.

    PyTorch users convert uint8 photos to float32 before ``conv2d`` (done in its
    ``prepare``, untimed); convpool converts block by block inside the call (timed).
    """
    if not HAVE_TORCH:
        return []
    import torch
    import torch.nn.functional as tnf

    out = []
    for name, k4, squeeze, call in (
        ("S4f", SPEC_CHANNELS[..., None], lambda r: r[..., 0], convpool.convolve_channels),
        ("S5f", SPEC_KERNELS, lambda r: r, convpool.convolve),
    ):
        kernel = SPEC_CHANNELS if name == "S4f" else SPEC_KERNELS
        w = Workload(name, f"{call.__name__} {x.shape} uint8, dtype=float32, valid", PEER_TARGET, rtol=1e-5, atol=1e-3)
        w.candidates.append(
            Candidate("convpool", _same((x, kernel)), lambda a, f=call: f(*a, padding="valid", dtype=np.float32))
        )
        w.candidates.append(
            Candidate(
                "torch float32",
                lambda k4=k4: (
                    torch.from_numpy(x.astype(np.float32)).permute(0, 3, 1, 2).contiguous(),
                    torch.from_numpy(k4.astype(np.float32)).permute(3, 2, 0, 1).contiguous(),
                ),
                lambda a: tnf.conv2d(a[0], a[1]),
                lambda r, sq=squeeze: sq(r.permute(0, 2, 3, 1).numpy()),
            )
        )
        out.append(w)
    return out


def _channel_peers(x, k4, squeeze):
    m = x.shape[0]
    kh, kw, c, nc = k4.shape
    peers = []
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        peers.append(
            Candidate(
                "torch",
                lambda: (
                    torch.from_numpy(x.astype(np.float64)).permute(0, 3, 1, 2).contiguous(),
                    torch.from_numpy(k4.astype(np.float64)).permute(3, 2, 0, 1).contiguous(),
                ),
                lambda a: tnf.conv2d(a[0], a[1]),
                lambda r: squeeze(r.permute(0, 2, 3, 1).numpy()),
            )
        )
    if HAVE_SCIPY:
        from scipy import ndimage

        def run_scipy(xf):
            # one 3-D correlation per output channel; the centre channel sums all c
            outs = [ndimage.correlate(xf, k4[None, :, :, :, o].astype(np.float64), mode="constant") for o in range(nc)]
            return np.stack([r[:, 1:-1, 1:-1, c // 2] for r in outs], axis=-1)

        peers.append(Candidate("scipy.ndimage", lambda: x.astype(np.float64), run_scipy, squeeze))
    if HAVE_CV2:
        import cv2

        kernels = [[np.ascontiguousarray(k4[:, :, ci, o].astype(np.float64)) for ci in range(c)] for o in range(nc)]

        def run_cv(planes):
            out = np.empty((m, 30, 30, nc))
            for i in range(m):
                for o in range(nc):
                    acc = cv2.filter2D(planes[i, 0], -1, kernels[o][0], borderType=cv2.BORDER_CONSTANT)
                    for ci in range(1, c):
                        acc += cv2.filter2D(planes[i, ci], -1, kernels[o][ci], borderType=cv2.BORDER_CONSTANT)
                    out[i, :, :, o] = acc[1:-1, 1:-1]
            return out

        peers.append(
            Candidate(
                "opencv filter2D", lambda: np.ascontiguousarray(x.transpose(0, 3, 1, 2), np.float64), run_cv, squeeze
            )
        )
    peers.append(
        Candidate("numpy einsum", _same(x), lambda a: squeeze(einsum_idiom(a, k4, ((0, 0), (0, 0)), (1, 1))), once=True)
    )
    peers.append(Candidate("naive loops", _same(x), lambda a: squeeze(naive_conv(a, k4)), once=True))
    return peers


def _pool_peers(x):
    m, h, w, c = x.shape
    peers = []
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        peers.append(
            Candidate(
                "torch",
                lambda: torch.from_numpy(x.astype(np.float64)).permute(0, 3, 1, 2).contiguous(),
                lambda a: tnf.avg_pool2d(a, 2, 2),
                lambda r: r.permute(0, 2, 3, 1).numpy(),
            )
        )
    if HAVE_CV2:
        import cv2

        def run_cv(xf):
            out = np.empty((m, h // 2, w // 2, c))
            for i in range(m):
                out[i] = cv2.resize(xf[i], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
            return out

        peers.append(Candidate("opencv resize AREA", lambda: x.astype(np.float64), run_cv))
    peers.append(
        Candidate("numpy reshape-mean", _same(x), lambda a: a.reshape(m, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4)))
    )
    peers.append(Candidate("naive loops", _same(x), lambda a: naive_pool_avg(a, 2, 2), once=True))
    return peers


def layer_workloads(scale: int, rng) -> list[Workload]:
    result = []
    # L1: a CNN layer.
    x = rng.standard_normal((64 // scale, 32, 32, 64), dtype=np.float32)
    k = (rng.standard_normal((3, 3, 64, 128), dtype=np.float32) / 24).astype(np.float32)
    l1 = Workload("L1", f"CNN layer {x.shape} float32, (3, 3, 64, 128) same", PEER_TARGET, rtol=1e-4, atol=1e-4)
    l1.candidates.append(Candidate("convpool", _same((x, k)), lambda a: convpool.convolve(*a, padding="same")))
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        l1.candidates.append(
            Candidate(
                "torch",
                lambda x=x, k=k: (
                    torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(),
                    torch.from_numpy(k).permute(3, 2, 0, 1).contiguous(),
                ),
                lambda a: tnf.conv2d(a[0], a[1], padding=1),
                lambda r: r.permute(0, 2, 3, 1).numpy(),
            )
        )
    l1.candidates.append(
        Candidate("numpy einsum", _same((x, k)), lambda a: einsum_idiom(a[0], a[1], ((1, 1), (1, 1)), (1, 1)))
    )
    rows, depth = x.shape[0] * 32 * 32, 3 * 3 * 64
    l1.candidates.append(sgemm_floor(rows, depth, 128))
    l1.flops = 2.0 * rows * depth * 128
    result += [l1, layer_backward_workload(x, k)]
    # L2: large kernels on large images.
    x = rng.random((16 // scale, 512, 512), dtype=np.float32)
    g = gaussian(15, 3.0)
    kernels = {"gauss": np.outer(g, g).astype(np.float32), "random": rng.random((15, 15), dtype=np.float32) / 112}
    for kname, k in kernels.items():
        w = Workload(f"L2 {kname}", f"{x.shape} float32, 15x15 {kname} same", PEER_TARGET, rtol=1e-3, atol=1e-4)
        w.candidates.append(Candidate("convpool", _same((x, k)), lambda a: convpool.convolve_grayscale_same(*a)))
        w.candidates += _large_kernel_peers(x, k, g if kname == "gauss" else None)
        result.append(w)
    # L3: ResNet-stem max pool; 'same' at stride 2 pads 0 rows before and 1 after.
    x = rng.standard_normal((32 // scale, 112, 112, 64), dtype=np.float32)
    l3 = Workload("L3", f"max pool {x.shape} float32, 3x3 stride 2 same", PEER_TARGET, rtol=0, atol=0)
    l3.candidates.append(Candidate("convpool", _same(x), lambda a: convpool.pool(a, 3, 2, "max", padding="same")))
    l3.candidates += _maxpool_peers(x)
    result.append(l3)
    return result


def layer_backward_workload(x: np.ndarray, k: np.ndarray) -> Workload:
    """L1's forward and backward pass (both gradients), beside PyTorch's autograd; compared on the gradients."""
    # the kernels' gradient sums 64 * 32 * 32 products of N(0, 1) values (entries ~256) in float32: atol to match
    w = Workload("L1 fwd+bwd", f"CNN layer {x.shape} float32 forward + backward", PEER_TARGET, rtol=1e-3, atol=5e-2)
    g = np.random.default_rng(2).standard_normal((*x.shape[:3], k.shape[3]), dtype=np.float32)

    def run(a):
        convpool.convolve(a[0], a[1], padding="same")
        return convpool.convolve_backward(g, a[0], a[1], padding="same")

    def flat(dx, dk):
        return np.concatenate([dx.ravel(), dk.ravel()])

    w.candidates.append(Candidate("convpool", _same((x, k)), run, lambda r: flat(*r)))
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        def prepare():
            xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
            kt = torch.from_numpy(k).permute(3, 2, 0, 1).contiguous().requires_grad_(True)
            return xt, kt, torch.from_numpy(g).permute(0, 3, 1, 2).contiguous()

        def run_torch(a):
            xt, kt, gt = a
            return torch.autograd.grad(tnf.conv2d(xt, kt, padding=1), (xt, kt), gt)

        def common(r):
            return flat(r[0].permute(0, 2, 3, 1).numpy(), r[1].permute(2, 3, 1, 0).numpy())

        w.candidates.append(Candidate("torch autograd", prepare, run_torch, common))
    return w


def _large_kernel_peers(x, k, g1d):
    peers = []
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        peers.append(
            Candidate(
                "torch",
                lambda: (torch.from_numpy(x)[:, None], torch.from_numpy(k)[None, None]),
                lambda a: tnf.conv2d(a[0], a[1], padding=7),
                lambda r: r[:, 0].numpy(),
            )
        )
    if HAVE_CV2:
        import cv2

        def run_cv(a):
            out = np.empty_like(a)
            for i in range(a.shape[0]):
                out[i] = cv2.filter2D(a[i], -1, k, borderType=cv2.BORDER_CONSTANT)
            return out

        peers.append(Candidate("opencv filter2D", _same(x), run_cv))
    if HAVE_SCIPY:
        from scipy import ndimage, signal

        # convolution flips the kernel; flip it back to correlate
        peers.append(
            Candidate(
                "scipy.signal.oaconvolve",
                _same(x),
                lambda a: signal.oaconvolve(a, k[None, ::-1, ::-1], mode="same", axes=(1, 2)),
            )
        )
        if g1d is not None:
            peers.append(
                Candidate(
                    "scipy gaussian_filter",
                    _same(x),
                    lambda a: ndimage.gaussian_filter(a, sigma=(0, 3, 3), mode="constant", truncate=7 / 3),
                )
            )
    return peers


def _maxpool_peers(x):
    m, h, w, c = x.shape
    peers = []
    if HAVE_TORCH:
        import torch
        import torch.nn.functional as tnf

        peers.append(
            Candidate(
                "torch",
                lambda: tnf.pad(
                    torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), (0, 1, 0, 1), value=-float("inf")
                ),
                lambda a: tnf.max_pool2d(a, 3, 2),
                lambda r: r.permute(0, 2, 3, 1).numpy(),
            )
        )
    if HAVE_SCIPY:
        from scipy import ndimage

        peers.append(
            Candidate(
                "scipy maximum_filter",
                _same(x),
                lambda a: ndimage.maximum_filter(a, size=(1, 3, 3, 1), mode="constant", cval=-np.inf)[:, 1::2, 1::2],
            )
        )
    if HAVE_CV2:
        import cv2

        kernel = np.ones((3, 3), np.uint8)

        def run_cv(a):
            out = np.empty((m, h // 2, w // 2, c), a.dtype)
            for i in range(m):
                out[i] = cv2.dilate(a[i], kernel)[1::2, 1::2]
            return out

        peers.append(Candidate("opencv dilate", _same(x), run_cv))

    def idiom(a):
        xp = np.pad(a, ((0, 0), (0, 1), (0, 1), (0, 0)), constant_values=-np.inf)
        return sliding_window_view(xp, (3, 3), axis=(1, 2))[:, ::2, ::2].max(axis=(-2, -1))

    peers.append(Candidate("numpy window max", _same(x), idiom))
    return peers


def all_workloads(quick: bool, seed: int = 0) -> list[Workload]:
    rng = np.random.default_rng(seed)
    scale = 8 if quick else 1
    return (
        grayscale_workloads(50000 // scale, rng)
        + channel_workloads(10000 // scale, rng)
        + layer_workloads(4 if quick else 1, rng)
    )
