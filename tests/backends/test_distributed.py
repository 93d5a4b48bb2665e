"""convpool on a real distributed.LocalCluster: worker processes, pickled tasks, no shared state."""

from __future__ import annotations

import numpy as np
import pytest

import convpool

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, memory_limit="1GiB"
    )
    with cluster, distributed.Client(cluster) as connected:
        yield connected


def test_workers_are_other_processes(client):
    import os

    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids


def test_spatial_convolution_with_a_global_pad_mode(client):
    rng = np.random.default_rng(11)
    x, k = rng.standard_normal((4, 20, 17, 2)), rng.standard_normal((5, 3, 2, 3))
    lazy = da.from_array(x, chunks=(2, (7, 6, 7), (9, 8), 1))
    options = dict(padding="same", stride=(2, 1), dilation=(1, 2), pad_mode="wrap")
    got = client.compute(convpool.convolve(lazy, k, **options)).result()
    np.testing.assert_allclose(got, convpool.convolve(x, k, **options), atol=1e-12)


def test_pooling_and_its_gradient(client):
    x = np.round(np.random.default_rng(12).standard_normal((6, 15, 14, 3)) * 3)
    lazy = da.from_array(x, chunks=(3, 4, 5, (1, 2)))
    pooled = convpool.pool(lazy, 3, 2, "max", padding="same")
    g = da.ones_like(pooled)
    grads = convpool.pool_backward(g, lazy, 3, 2, "max", padding="same")
    got_pooled, got_grads = client.compute([pooled, grads], sync=True)
    np.testing.assert_array_equal(got_pooled, convpool.pool(x, 3, 2, "max", padding="same"))
    want = convpool.pool_backward(np.ones(pooled.shape), x, 3, 2, "max", padding="same")
    np.testing.assert_array_equal(got_grads, want)


def test_convolve_backward(client):
    rng = np.random.default_rng(13)
    x, k = rng.standard_normal((12, 9, 9, 2)), rng.standard_normal((3, 3, 2, 2))
    g = rng.standard_normal((12, 5, 5, 2))
    gi, gk = convpool.convolve_backward(g, da.from_array(x, chunks=2), k, "same", 2, pad_mode="reflect")
    got_gi, got_gk = client.compute([gi, gk], sync=True)
    want_gi, want_gk = convpool.convolve_backward(g, x, k, "same", 2, pad_mode="reflect")
    np.testing.assert_allclose(got_gi, want_gi, atol=1e-12)
    np.testing.assert_allclose(got_gk, want_gk, rtol=1e-12)


def test_convolve_transpose_and_its_gradient(client):
    rng = np.random.default_rng(14)
    y, k = rng.standard_normal((6, 5, 4, 4)), rng.standard_normal((3, 3, 2, 4))
    lazy = da.from_array(y, chunks=(2, 3, 2, 2))  # spatial and channel chunks: rechunked to whole images
    options = dict(padding=1, stride=2, output_padding=(1, 0), groups=2)
    out = convpool.convolve_transpose(lazy, k, **options)
    g = rng.standard_normal(out.shape)
    gy, gk = convpool.convolve_transpose_backward(g, lazy, k, **options)
    got, got_gy, got_gk = client.compute([out, gy, gk], sync=True)
    np.testing.assert_allclose(got, convpool.convolve_transpose(y, k, **options), atol=1e-12)
    want_gy, want_gk = convpool.convolve_transpose_backward(g, y, k, **options)
    np.testing.assert_allclose(got_gy, want_gy, atol=1e-12)
    np.testing.assert_allclose(got_gk, want_gk, rtol=1e-12)


def test_the_command_line_on_a_running_cluster(client, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    zarr = pytest.importorskip("zarr")
    x = np.random.default_rng(14).random((4, 30, 26)).astype(np.float32)
    zarr.open_array(tmp_path / "in.zarr", mode="w", shape=x.shape, chunks=(2, 16, 16), dtype=x.dtype)[:] = x
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    argv = ["pool", "in.zarr", "--size", "3", "--stride", "2", "--mode", "avg", "--padding", "same"]
    argv += ["-o", "out.zarr", "--scheduler", client.scheduler.address]
    done = subprocess.run(
        [sys.executable, "-m", "convpool", *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    got = zarr.open_array(tmp_path / "out.zarr", mode="r")[:]
    np.testing.assert_allclose(got, convpool.pool(x[..., None], 3, 2, "avg", padding="same")[..., 0], rtol=1e-6)
