"""A small LeNet-style CNN trained with convpool's backward passes, in NumPy only.

    conv 3x3 (16) -> ReLU -> max pool 2x2 -> conv 3x3 (32) -> ReLU -> max pool 2x2 -> dense -> softmax

or, with ``--head gap``, global average pooling in place of the last pool and the flattening
(``... -> ReLU -> global average pool -> dense (32 -> 10)``: a tenth of the dense weights, as in
modern classifiers' heads)

trained with mini-batch SGD (momentum) on scikit-learn's bundled 8x8 digits
(1797 images; 80% train, 20% test), or on the spec's MNIST file with
``--mnist PATH.npz`` (arrays ``X_train``, ``Y_train`` and ``X_test``/``Y_test``
or ``X_valid``/``Y_valid``; images (n, 28, 28) in [0, 1] or 0-255, labels (n,) or one-hot (n, 10)).

Every gradient comes from :func:`convpool.convolve_backward`,
:func:`convpool.pool_backward` and :func:`convpool.adaptive_pool_backward`; the dense layer and
the loss are plain NumPy.

Usage::

    pip install -e '.[examples]'
    python examples/cnn_digits.py                      # 98-99% test accuracy in seconds, figure in build/
    python examples/cnn_digits.py --mnist MNIST.npz --epochs 3

It ends with a figure: the learned first-layer kernels and the test confusion matrix.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from convpool import adaptive_pool, adaptive_pool_backward, convolve, convolve_backward, pool, pool_backward

DTYPE = np.float32


# --------------------------------------------------------------------------- data


def load_digits_split(seed: int):
    """scikit-learn's 8x8 digits scaled to [0, 1], split 80/20 with every class in both parts."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(DTYPE)[..., None]  # (1797, 8, 8, 1)
    return train_test_split(images, digits.target, test_size=0.2, random_state=seed, stratify=digits.target)


def load_mnist(path: str):
    """The spec's MNIST.npz: ``X_train``/``Y_train`` for training, ``X_test`` (or ``X_valid``) for testing."""
    data = np.load(path)
    test = "test" if "X_test" in data else "valid"
    images = [np.asarray(data[f"X_{part}"], dtype=DTYPE).reshape(-1, 28, 28, 1) for part in ("train", test)]
    if max(part.max() for part in images) > 1:  # 0-255 pixels
        images = [part / 255 for part in images]
    labels = [np.asarray(data[f"Y_{part}"]) for part in ("train", test)]
    labels = [(part.argmax(axis=1) if part.ndim == 2 else part).astype(int) for part in labels]  # one-hot or not
    return images[0], images[1], labels[0], labels[1]


# --------------------------------------------------------------------------- model


#: The network's heads: 'flatten' (second max pool, then every cell to the dense layer) or 'gap'
#: (global average pooling: one value per channel to the dense layer).
HEADS = ("flatten", "gap")


def init_params(rng, image_shape, classes: int = 10, widths=(16, 32), head: str = "flatten") -> dict:
    """He-initialised kernels (3, 3, c, nc), zero biases, a dense layer over the head's features."""
    c1, c2 = widths
    h, w, c = image_shape
    flat = c2 if head == "gap" else (h // 4) * (w // 4) * c2  # 'flatten': two 2x2 pools of 'same' convolutions

    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(DTYPE)

    return {
        "k1": he((3, 3, c, c1), 9 * c),
        "b1": np.zeros(c1, DTYPE),
        "k2": he((3, 3, c1, c2), 9 * c1),
        "b2": np.zeros(c2, DTYPE),
        "w": he((flat, classes), flat),
        "b": np.zeros(classes, DTYPE),
    }


def forward(params: dict, x: np.ndarray, head: str = "flatten"):
    """Logits (n, classes) and the activations the backward pass needs (and the head)."""
    z1 = convolve(x, params["k1"], "same") + params["b1"]
    a1 = np.maximum(z1, 0)
    p1 = pool(a1, 2, 2, "max")
    z2 = convolve(p1, params["k2"], "same") + params["b2"]
    a2 = np.maximum(z2, 0)
    p2 = adaptive_pool(a2, 1) if head == "gap" else pool(a2, 2, 2, "max")  # (n, 1, 1, c2) or (n, h/4, w/4, c2)
    flat = p2.reshape(len(x), -1)
    logits = flat @ params["w"] + params["b"]
    return logits, (x, z1, a1, p1, z2, a2, p2, flat, head)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray):
    """Mean cross-entropy and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(labels)
    loss = -log_probs[np.arange(n), labels].mean()
    grad = np.exp(log_probs)
    grad[np.arange(n), labels] -= 1
    return float(loss), grad / n


def backward(params: dict, cache, grad_logits: np.ndarray) -> dict:
    """Gradients of the loss with respect to every parameter, layer by layer in reverse."""
    x, z1, a1, p1, z2, a2, p2, flat, head = cache
    grads = {"w": flat.T @ grad_logits, "b": grad_logits.sum(axis=0)}
    grad_p2 = (grad_logits @ params["w"].T).reshape(p2.shape)
    if head == "gap":
        grad_a2 = adaptive_pool_backward(grad_p2, a2, 1)
    else:
        grad_a2 = pool_backward(grad_p2, a2, 2, 2, "max")
    grad_z2 = grad_a2 * (z2 > 0)
    grad_p1, grads["k2"] = convolve_backward(grad_z2, p1, params["k2"], "same")
    grads["b2"] = grad_z2.sum(axis=(0, 1, 2))
    grad_z1 = pool_backward(grad_p1, a1, 2, 2, "max") * (z1 > 0)
    _, grads["k1"] = convolve_backward(grad_z1, x, params["k1"], "same", wrt="kernels")  # x is data: no gradient
    grads["b1"] = grad_z1.sum(axis=(0, 1, 2))
    return grads


def predict(params: dict, x: np.ndarray, batch: int = 512, head: str = "flatten") -> np.ndarray:
    return np.concatenate([forward(params, x[i : i + batch], head)[0].argmax(axis=1) for i in range(0, len(x), batch)])


# --------------------------------------------------------------------------- training


class Progress:
    """One tqdm bar over every SGD step (the ``examples`` extra), or plain lines without tqdm."""

    def __init__(self, total: int, quiet: bool):
        self.bar = None
        self.quiet = quiet
        if quiet:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, unit="batch", file=sys.stderr, mininterval=0.25, leave=False)

    def step(self, loss: float) -> None:
        if self.bar is not None:
            self.bar.update()
            self.bar.set_postfix(loss=f"{loss:.3f}", refresh=False)

    def line(self, text: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.write(text)
        else:
            print(text, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def train(
    params,
    x,
    y,
    *,
    epochs,
    batch_size,
    lr,
    momentum,
    decay,
    seed,
    quiet=False,
    x_test=None,
    y_test=None,
    head="flatten",
):
    """Mini-batch SGD with momentum and L2 weight decay on the weights; returns the per-batch losses."""
    rng = np.random.default_rng(seed)
    velocity = {name: np.zeros_like(value) for name, value in params.items()}
    losses = []
    batches = -(-len(x) // batch_size)
    progress = Progress(epochs * batches, quiet)
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        rate = lr * 0.5 * (1 + np.cos(np.pi * epoch / epochs))  # cosine schedule
        for step in range(batches):
            rows = order[step * batch_size : (step + 1) * batch_size]
            logits, cache = forward(params, x[rows], head)
            loss, grad_logits = softmax_cross_entropy(logits, y[rows])
            grads = backward(params, cache, grad_logits)
            for name, grad in grads.items():
                if name in ("k1", "k2", "w"):
                    grad = grad + decay * params[name]
                velocity[name] = momentum * velocity[name] - rate * grad.astype(DTYPE)
                params[name] += velocity[name]
            losses.append(loss)
            progress.step(loss)
        line = f"epoch {epoch + 1:2d}/{epochs}  loss {np.mean(losses[-batches:]):.4f}"
        if x_test is not None and not quiet:
            line += f"  test accuracy {np.mean(predict(params, x_test, head=head) == y_test):.4f}"
        progress.line(line)
    progress.close()
    return losses


# --------------------------------------------------------------------------- figure


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """``matrix[t, p]``: test images of class ``t`` predicted as ``p``."""
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def save_figure(path: Path, kernels: np.ndarray, matrix: np.ndarray, accuracy: float) -> None:
    """Learned first-layer kernels (3, 3, 1, nc) beside the confusion matrix, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nc = kernels.shape[3]
    fig = plt.figure(figsize=(11, 4.5), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1, 1.2])
    left.suptitle("learned first-layer kernels (3x3)")
    cols = 4
    axes = left.subplots(-(-nc // cols), cols)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < nc:
            kernel = kernels[:, :, 0, i]
            limit = np.abs(kernel).max() or 1
            ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"kernel {i}", fontsize=9)
    ax = right.subplots()
    ax.imshow(matrix, cmap="Blues")
    for (t, p), count in np.ndenumerate(matrix):
        if count:
            ax.text(p, t, str(count), ha="center", va="center", fontsize=8, color="white" if t == p else "black")
    ax.set(xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10))
    ax.set_title(f"test confusion matrix, accuracy {accuracy:.2%}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- command line


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a small CNN with convpool's backward passes.")
    parser.add_argument("--mnist", metavar="PATH.npz", help="train on the spec's MNIST file instead of 8x8 digits")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training set (default 30)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per SGD step (default 32)")
    parser.add_argument("--lr", type=float, default=0.05, help="initial learning rate (default 0.05)")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    parser.add_argument("--decay", type=float, default=1e-4, help="L2 weight decay (default 1e-4)")
    parser.add_argument("--subset", type=int, help="train on the first N training images only")
    parser.add_argument(
        "--head", choices=HEADS, default="flatten", help="last pool and flatten, or global average pool"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, the weights and the order")
    parser.add_argument("--out", default="build/cnn_digits.png", help="figure path (default build/cnn_digits.png)")
    parser.add_argument("--no-plot", action="store_true", help="skip the figure")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """Train, evaluate, draw; returns the losses, the test accuracy and the run time (for tests)."""
    args = parse_args(argv)
    x_train, x_test, y_train, y_test = load_mnist(args.mnist) if args.mnist else load_digits_split(args.seed)
    if args.subset:
        x_train, y_train = x_train[: args.subset], y_train[: args.subset]
    rng = np.random.default_rng(args.seed)
    params = init_params(rng, x_train.shape[1:], head=args.head)
    start = time.perf_counter()
    losses = train(
        params,
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        momentum=args.momentum,
        decay=args.decay,
        seed=args.seed,
        quiet=args.quiet,
        x_test=x_test,
        y_test=y_test,
        head=args.head,
    )
    seconds = time.perf_counter() - start
    predicted = predict(params, x_test, head=args.head)
    accuracy = float(np.mean(predicted == y_test))
    print(f"{len(x_train)} training images, {args.epochs} epochs in {seconds:.1f} s; test accuracy {accuracy:.2%}")
    if not args.no_plot:
        out = Path(args.out)
        save_figure(out, params["k1"], confusion_matrix(y_test, predicted), accuracy)
        print(f"figure: {out}")
    return {"losses": losses, "accuracy": accuracy, "seconds": seconds}


if __name__ == "__main__":
    main()
