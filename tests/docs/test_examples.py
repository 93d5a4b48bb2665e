"""The CNN example: its backward pass agrees with finite differences, and one short epoch learns."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cnn_digits.py"


@pytest.fixture(scope="module")
def cnn():
    spec = importlib.util.spec_from_file_location("cnn_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("head", ["flatten", "gap"])
def test_network_gradients_match_finite_differences(cnn, head):
    """The whole network's backward (conv, ReLU, pool, dense, softmax) against central differences in float64."""
    rng = np.random.default_rng(0)
    params = {k: v.astype(np.float64) for k, v in cnn.init_params(rng, (8, 8, 1), widths=(3, 4), head=head).items()}
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}  # non-zero biases
    x = rng.random((5, 8, 8, 1))
    y = rng.integers(0, 10, 5)

    def loss():
        return cnn.softmax_cross_entropy(cnn.forward(params, x, head)[0], y)[0]

    logits, cache = cnn.forward(params, x, head)
    grads = cnn.backward(params, cache, cnn.softmax_cross_entropy(logits, y)[1])
    eps = 1e-6
    for name, value in params.items():
        for index in list(np.ndindex(value.shape))[:: max(1, value.size // 12)]:
            keep = value[index]
            value[index] = keep + eps
            up = loss()
            value[index] = keep - eps
            down = loss()
            value[index] = keep
            assert grads[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-8), (name, index)


def test_one_short_epoch_learns_and_draws(cnn, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    figure = tmp_path / "cnn.png"
    result = cnn.main(["--epochs", "1", "--subset", "480", "--quiet", "--out", str(figure)])
    losses = result["losses"]
    assert len(losses) == 15  # 480 images, batches of 32
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:3])  # chance level is log(10) = 2.3
    assert result["accuracy"] > 0.5  # chance is 0.1
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_global_average_pooling_head_learns(cnn):
    """``--head gap``: global average pooling feeds a 32 -> 10 dense layer, and one short run learns."""
    pytest.importorskip("sklearn")
    params = cnn.init_params(np.random.default_rng(0), (8, 8, 1), head="gap")
    assert params["w"].shape == (32, 10)
    result = cnn.main(["--epochs", "4", "--quiet", "--no-plot", "--head", "gap"])  # 80% measured
    losses = result["losses"]
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])  # chance level is log(10) = 2.3
    assert result["accuracy"] > 0.6  # chance is 0.1


def test_mnist_option_reads_the_spec_file_layout(cnn, tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "MNIST.npz"
    labels = rng.integers(0, 10, 96)
    images = rng.random((96, 28, 28)).astype(np.float32) * 0.1
    images[np.arange(96), 2 + 2 * labels, 5:20] = 1.0  # a bar whose row tells the class
    one_hot = np.eye(10)[labels[:64]]  # the training labels one-hot, the test labels plain
    np.savez(path, X_train=images[:64], Y_train=one_hot, X_valid=images[64:], Y_valid=labels[64:])
    result = cnn.main(["--mnist", str(path), "--epochs", "2", "--quiet", "--no-plot"])
    assert len(result["losses"]) == 4
    assert result["losses"][-1] < result["losses"][0]
