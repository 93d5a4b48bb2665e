"""Training steps of examples/cnn_digits.py's CNN, convpool against the same network in PyTorch (CPU).

Run ``make bench-train`` or ``python benchmarks/bench_train.py [--repeat 15] [--batch 32 256]``.

Three networks, each written twice with the same initial weights (float32):

* ``lenet``: examples/cnn_digits.py's network, conv 3x3 (16) -> ReLU -> max pool
  -> conv 3x3 (32) -> ReLU -> max pool -> dense, its own ``forward``/``backward``;
* ``separable``: the same with the second convolution depthwise-separable
  (depthwise 3x3, ``groups=16``, then pointwise 1x1 to 32);
* ``layer``: forward + backward of one ``(64, 32, 32, 64)`` x ``(3, 3, 64, 128)``
  'same' convolution (the issue's layer), and a depthwise 3x3 on ``(64, 56, 56, 128)``
  (forward only, ``--scale`` shrinks its batch).

A step is forward, softmax cross-entropy, backward and an SGD update. Before
timing, both versions must give the same loss on the first batch and the same
gradients (rtol 1e-4): the twin is the same network. The two are timed side by
side, alternating, ``--repeat`` times; the table gives both medians, the ratio
of medians (convpool / PyTorch, below 1 is faster) and the ratio of the
fastest runs. PyTorch runs with its default threads (the machine's cores), as
convpool does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import cnn_digits as lenet  # noqa: E402

from convpool import convolve, convolve_backward, pool, pool_backward  # noqa: E402

DTYPE = np.float32


# --------------------------------------------------------------------------- the separable variant in convpool


def separable_params(rng, image_shape, classes: int = 10) -> dict:
    """LeNet's parameters, ``k2`` replaced by a depthwise ``dw`` (3, 3, 1, 16) and a pointwise ``pw`` (1, 1, 16, 32)."""
    params = lenet.init_params(rng, image_shape, classes)
    del params["k2"]
    params["dw"] = (rng.standard_normal((3, 3, 1, 16)) * np.sqrt(2 / 9)).astype(DTYPE)
    params["pw"] = (rng.standard_normal((1, 1, 16, 32)) * np.sqrt(2 / 16)).astype(DTYPE)
    return params


def separable_forward(params: dict, x: np.ndarray):
    z1 = convolve(x, params["k1"], "same") + params["b1"]
    a1 = np.maximum(z1, 0)
    p1 = pool(a1, 2, 2, "max")
    d = convolve(p1, params["dw"], "same", groups=16)
    z2 = convolve(d, params["pw"], "valid") + params["b2"]
    a2 = np.maximum(z2, 0)
    p2 = pool(a2, 2, 2, "max")
    flat = p2.reshape(len(x), -1)
    return flat @ params["w"] + params["b"], (x, z1, a1, p1, d, z2, a2, p2, flat)


def separable_backward(params: dict, cache, grad_logits: np.ndarray) -> dict:
    x, z1, a1, p1, d, z2, a2, p2, flat = cache
    grads = {"w": flat.T @ grad_logits, "b": grad_logits.sum(axis=0)}
    grad_p2 = (grad_logits @ params["w"].T).reshape(p2.shape)
    grad_z2 = pool_backward(grad_p2, a2, 2, 2, "max") * (z2 > 0)
    grad_d, grads["pw"] = convolve_backward(grad_z2, d, params["pw"], "valid")
    grads["b2"] = grad_z2.sum(axis=(0, 1, 2))
    grad_p1, grads["dw"] = convolve_backward(grad_d, p1, params["dw"], "same", groups=16)
    grad_z1 = pool_backward(grad_p1, a1, 2, 2, "max") * (z1 > 0)
    _, grads["k1"] = convolve_backward(grad_z1, x, params["k1"], "same", wrt="kernels")  # x is data: no gradient
    grads["b1"] = grad_z1.sum(axis=(0, 1, 2))
    return grads


def convpool_step(forward, backward, lr: float = 0.05):
    """One SGD step of a convpool network: ``step(params, x, y) -> loss`` (updates ``params`` in place)."""

    def step(params, x, y):
        logits, cache = forward(params, x)
        loss, grad_logits = lenet.softmax_cross_entropy(logits, y)
        for name, grad in backward(params, cache, grad_logits).items():
            params[name] -= lr * grad.astype(DTYPE)
        return loss, logits

    return step


# --------------------------------------------------------------------------- the PyTorch twins


def torch_twin(torch, params: dict):
    """The same network in PyTorch (NCHW) from convpool's parameters: ``(tensors, forward, step)``."""
    fn = torch.nn.functional
    t = {}
    for name, value in params.items():
        if value.ndim == 4:  # (kh, kw, c, nc) -> (nc, c, kh, kw)
            value = value.transpose(3, 2, 0, 1)
        t[name] = torch.tensor(np.ascontiguousarray(value), requires_grad=True)

    def forward(x):
        a1 = fn.relu(fn.conv2d(x, t["k1"], t["b1"], padding=1))
        p1 = fn.max_pool2d(a1, 2, 2)
        if "k2" in t:
            z2 = fn.conv2d(p1, t["k2"], t["b2"], padding=1)
        else:
            z2 = fn.conv2d(fn.conv2d(p1, t["dw"], padding=1, groups=16), t["pw"], t["b2"])
        p2 = fn.max_pool2d(fn.relu(z2), 2, 2)
        flat = p2.permute(0, 2, 3, 1).reshape(len(x), -1)  # convpool's (h, w, c) order of features
        return flat @ t["w"] + t["b"]

    def step(x, y, lr: float = 0.05):
        loss = fn.cross_entropy(forward(x), y)
        grads = torch.autograd.grad(loss, list(t.values()))
        with torch.no_grad():
            for value, grad in zip(t.values(), grads, strict=True):
                value -= lr * grad
        return loss.item()

    return t, forward, step


# --------------------------------------------------------------------------- checks and timing


def same_network(torch, params, forward, backward, x, y) -> float:
    """The first batch's loss (returned) and every gradient agree between the two versions, or this raises."""
    logits, cache = forward(params, x)
    loss, grad_logits = lenet.softmax_cross_entropy(logits, y)
    grads = backward(params, cache, grad_logits)
    tensors, twin_forward, _ = torch_twin(torch, params)
    twin_loss = torch.nn.functional.cross_entropy(twin_forward(_nchw(torch, x)), torch.tensor(y))
    twin_grads = torch.autograd.grad(twin_loss, list(tensors.values()))
    if not np.isclose(loss, twin_loss.item(), rtol=1e-5):
        raise AssertionError(f"first-batch loss: convpool {loss:.7f}, PyTorch {twin_loss.item():.7f}")
    for (name, _), grad in zip(tensors.items(), twin_grads, strict=True):
        ours = grads[name] if grads[name].ndim != 4 else grads[name].transpose(3, 2, 0, 1)
        np.testing.assert_allclose(ours, grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
    return loss


def _nchw(torch, x):
    return torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


#: Runs of one library in a row before switching to the other.
RUN = 5


def side_by_side(ours, theirs, repeat: int) -> tuple[list[float], list[float]]:
    """Timings of two thunks, ``repeat`` runs each, alternating in runs of :data:`RUN`, after a warm-up.

    Not call by call: after each call PyTorch's OpenMP workers and OpenBLAS's
    threads spin-wait for more work, and on a 2-core machine they take the
    cores from the other library's next call (both medians rose 1.5-3x when
    alternating call by call).
    """
    ours()
    theirs()
    a, b = [], []
    while len(a) < repeat:
        n = min(RUN, repeat - len(a))
        a += [_timed(ours) for _ in range(n)]
        b += [_timed(theirs) for _ in range(n)]
    return a, b


def row(name: str, ours: list[float], theirs: list[float]) -> str:
    mo, mt = statistics.median(ours), statistics.median(theirs)
    return f"{name:44} {mo * 1e3:10.2f} {mt * 1e3:10.2f} {mo / mt:6.2f} {min(ours) / min(theirs):10.2f}"


def training_cases(torch, batches, image: int):
    """(name, convpool thunk, PyTorch thunk) per network and batch size, each checked to be the same network."""
    rng = np.random.default_rng(0)
    nets = {
        "lenet": (lenet.init_params, lenet.forward, lenet.backward),
        "separable": (separable_params, separable_forward, separable_backward),
    }
    for batch in batches:
        x = rng.random((batch, image, image, 1), dtype=np.float32)
        y = rng.integers(0, 10, batch)
        xt, yt = _nchw(torch, x), torch.tensor(y)
        for net, (init, forward, backward) in nets.items():
            params = init(np.random.default_rng(1), x.shape[1:])
            loss = same_network(torch, params, forward, backward, x, y)
            _, _, twin_step = torch_twin(torch, params)
            step = convpool_step(forward, backward)
            name = f"{net} step ({batch},{image},{image},1) loss {loss:.4f}"
            yield name, (lambda s=step, p=params, x=x, y=y: s(p, x, y)), (lambda s=twin_step, a=xt, b=yt: s(a, b))


def layer_cases(torch, scale: float):
    """The issue's layer, forward + backward, and a depthwise 3x3 forward, against PyTorch."""
    fn = torch.nn.functional
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 32, 32, 64), dtype=np.float32)
    k = rng.standard_normal((3, 3, 64, 128), dtype=np.float32) * 0.05
    xt = _nchw(torch, x).requires_grad_(True)
    kt = torch.tensor(np.ascontiguousarray(k.transpose(3, 2, 0, 1)), requires_grad=True)
    g = np.ones((64, 32, 32, 128), dtype=np.float32)
    gt = _nchw(torch, g)

    def ours():
        convolve(x, k, "same")
        convolve_backward(g, x, k, "same")

    def theirs():
        out = fn.conv2d(xt, kt, padding=1)
        torch.autograd.grad(out, [xt, kt], gt)

    yield "layer fwd+bwd (64,32,32,64) 3x3x64x128", ours, theirs
    m = max(1, int(64 * scale))
    d = rng.standard_normal((m, 56, 56, 128), dtype=np.float32)
    dk = rng.standard_normal((3, 3, 1, 128), dtype=np.float32)
    dt, dkt = _nchw(torch, d), torch.tensor(np.ascontiguousarray(dk.transpose(3, 2, 0, 1)))
    yield (
        f"depthwise 3x3 fwd ({m},56,56,128)",
        lambda: convolve(d, dk, "same", groups=128),
        lambda: fn.conv2d(dt, dkt, padding=1, groups=128),
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25, help="timed runs of each, in alternating runs of 5 (25)")
    parser.add_argument("--batch", type=int, nargs="+", default=[32, 256], help="batch sizes (default 32 256)")
    parser.add_argument("--image", type=int, default=8, help="image side (default 8, the digits; 28 for MNIST)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the depthwise case's batch of 64")
    parser.add_argument("--no-layers", action="store_true", help="only the training steps")
    args = parser.parse_args(argv)
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; convpool / PyTorch, below 1 is faster")
    print(f"{'case':44} {'convpool ms':>10} {'torch ms':>10} {'ratio':>6} {'min ratio':>10}")
    cases = list(training_cases(torch, args.batch, args.image))
    if not args.no_layers:
        cases += list(layer_cases(torch, args.scale))
    for name, ours, theirs in cases:
        print(row(name, *side_by_side(ours, theirs, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
