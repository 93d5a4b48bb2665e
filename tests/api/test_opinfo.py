"""PyTorch's own test samples as the oracle: every OpInfo and ModuleInfo sample with a convpool equivalent agrees.

PyTorch tests each operator on the sample inputs of its OpInfo entry (``op_db`` in
``torch.testing._internal.common_methods_invocations``) and each module on those of its
ModuleInfo entry (``module_db`` in ``torch.testing._internal.common_modules``). Here every
sample of the 1-D, 2-D and 3-D convolution and pooling entries is translated to convpool (NCHW
to NHWC, OIHW weights to ``(kh, kw, c // groups, nc)`` kernels, and likewise with one or three
spatial axes; a batch axis for unbatched inputs, a bias added by hand) and compared with what
PyTorch computes on the same tensors: the forward result (and max pooling's indices), then, for
one random ``grad_output``, the gradients ``torch.autograd.grad`` gives for the input, the
weight and the bias. float64 must agree to about 1e-10, float32 to about 1e-4.

A sample that convpool cannot express is counted with its reason, and
:func:`test_every_sample_is_expressed` allows none (``ALLOWED_UNEXPRESSED`` is empty; LP
pooling is ``pool(mode='lp')``); it prints the counts (``pytest -rP``). The samples need PyTorch's test
dependency ``expecttest``; without it the tests are skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import settings

from convpool import (
    convolve,
    convolve_backward,
    convolve_transpose,
    convolve_transpose_backward,
    pool,
    pool_backward,
)

torch = pytest.importorskip("torch")
# torch notes that it copies the input for even kernels with padding="same"; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")

OP_NAMES = (
    *(f"nn.functional.{op}{rank}d" for rank in (1, 2, 3) for op in ("conv", "conv_transpose", "max_pool", "avg_pool")),
    "max_pool2d_with_indices_backward",  # max_pool2d's backward kernel as an operator of its own
)
MODULE_NAMES = tuple(
    f"nn.{module}{rank}d"
    for rank in (1, 2, 3)
    for module in ("Conv", "LazyConv", "ConvTranspose", "LazyConvTranspose", "MaxPool", "AvgPool", "LPPool")
)
DTYPES = {"float64": (torch.float64, np.float64), "float32": (torch.float32, np.float32)}
# The only reasons a sample may go without a convpool equivalent: none.
ALLOWED_UNEXPRESSED: dict[str, str] = {}

# Positional parameters after the input, in the order of the torch functions' signatures, with their defaults.
_SIGNATURES = {
    "conv": {"weight": None, "bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1},
    "conv_transpose": {
        "weight": None,
        "bias": None,
        "stride": 1,
        "padding": 0,
        "output_padding": 0,
        "groups": 1,
        "dilation": 1,
    },
    "avg": {
        "kernel_size": None,
        "stride": None,
        "padding": 0,
        "ceil_mode": False,
        "count_include_pad": True,
        "divisor_override": None,
    },
    "max": {
        "kernel_size": None,
        "stride": None,
        "padding": 0,
        "dilation": 1,
        "ceil_mode": False,
        "return_indices": False,
    },
}
_OP_KINDS = {
    "conv": "conv",
    "conv_transpose": "conv_transpose",
    "avg_pool": "avg",
    "max_pool": "max",
    "max_pool2d_with_indices_backward": "max_grad",
}


def _kind_and_rank(name: str) -> tuple[str, int]:
    """``('conv', 3)`` for ``nn.functional.conv3d``: the operation and its number of spatial axes."""
    if name == "max_pool2d_with_indices_backward":
        return "max_grad", 2
    op = name.removeprefix("nn.functional.")
    return _OP_KINDS[op[:-2]], int(op[-2])


_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_TOLERANCE = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 1e-5)}  # rtol, atol relative to the largest value


class UnexpressedError(Exception):
    """A sample convpool has no equivalent for; ``reason`` is what is missing."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Case:
    """One sample, translated: the torch call to check against and the convpool arguments."""

    kind: str  # 'conv', 'conv_transpose', 'max', 'avg', 'lp', or 'max_grad' (the op's result is max pooling's gradient)
    rank: int  # spatial axes: 1 (conv1d, ...), 2 or 3
    x: torch.Tensor
    oracle: object  # () -> torch's result on x (and weight, bias)
    label: str
    weight: torch.Tensor | None = None
    bias: torch.Tensor | None = None
    options: dict = field(default_factory=dict)
    divisor: float | None = None  # avg_pool2d's divisor_override: a window sum divided by it
    return_indices: bool = False


# --------------------------------------------------------------------------- PyTorch's samples


class TorchSamples:
    """PyTorch's OpInfo and ModuleInfo entries, their samples made once per (entry, dtype) with a fixed seed."""

    def __init__(self, op_db, module_db):
        self.ops = {op.name: op for op in op_db if op.name in OP_NAMES and not op.variant_test_name}
        self.modules = {info.name: info for info in module_db if info.name in MODULE_NAMES}
        self._cache: dict = {}

    def samples(self, source: str, name: str, dtype: str) -> list:
        """``[(label, make_case)]``: ``make_case()`` gives the :class:`Case` or raises :class:`UnexpressedError`."""
        key = (source, name, dtype)
        if key not in self._cache:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(20261206)
                make = self._op_samples if source == "op" else self._module_samples
                self._cache[key] = make(name, DTYPES[dtype][0])
        return self._cache[key]

    def _op_samples(self, name, dtype) -> list:
        op = self.ops[name]
        out = []
        for sample in op.sample_inputs("cpu", dtype, requires_grad=True):
            label = f"{name}({_show(sample.input)}, *{_show(sample.args)}, **{_show(sample.kwargs)})"
            out.append((label, _op_case_maker(name, op, sample, label)))
        return out

    def _module_samples(self, name, dtype) -> list:
        info = self.modules[name]
        out = []
        for sample in info.module_inputs_func(info, device="cpu", dtype=dtype, requires_grad=True, training=True):
            ctor, forward = sample.constructor_input, sample.forward_input
            module = info.module_cls(*ctor.args, **ctor.kwargs).to(dtype)
            if _is_lazy(module):  # the first call sets the weight's shape
                with torch.no_grad():
                    module(*forward.args, **forward.kwargs)
            made = f"{name}(*{_show(ctor.args)}, **{_show(ctor.kwargs)})"
            label = f"{made}(*{_show(forward.args)}, **{_show(forward.kwargs)})"
            out.append((label, _module_case_maker(module, forward, label)))
        return out


def _is_lazy(module) -> bool:
    return isinstance(module, torch.nn.modules.lazy.LazyModuleMixin) and module.has_uninitialized_params()


def _show(value):
    """A sample's arguments for a message: tensors as their shape and dtype (and strides when not contiguous)."""
    if isinstance(value, torch.Tensor):
        layout = "" if value.is_contiguous() else f" strides={value.stride()}"
        return f"Tensor{tuple(value.shape)}:{str(value.dtype).removeprefix('torch.')}{layout}"
    if isinstance(value, (list, tuple)):
        return type(value)(_show(v) for v in value)
    if isinstance(value, dict):
        return {k: _show(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def torch_samples() -> TorchSamples:
    # common_utils, imported by both, freezes torch.backends' flags for the whole process (bare assignments such
    # as torch.backends.cudnn.allow_tf32 = False then raise) and loads its own hypothesis profile: undo both.
    profile = settings.get_current_profile_name()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.backends, "disable_global_flags", lambda: None)
        try:
            from torch.testing._internal.common_methods_invocations import op_db
            from torch.testing._internal.common_modules import module_db
        except ImportError as error:  # e.g. expecttest, a test dependency of PyTorch's that its wheel leaves out
            pytest.skip(f"PyTorch's OpInfo samples (torch.testing._internal) need {error.name or error!s}: {error}")
        finally:
            settings.load_profile(profile)
    return TorchSamples(op_db, module_db)


# --------------------------------------------------------------------------- translation


def _pair(value, what: str, rank: int = 2) -> tuple[int, ...]:
    """An int or a 1- or ``rank``-sequence as torch's ``_pair`` (``_single``, ``_triple``) reads it."""
    if isinstance(value, int):
        return (value,) * rank
    if isinstance(value, (tuple, list)) and len(value) in (1, rank) and all(isinstance(v, int) for v in value):
        return tuple(value) * (rank if len(value) == 1 else 1)
    raise UnexpressedError(f"{what}={value!r}")


def _bind(kind: str, args: tuple, kwargs: dict) -> dict:
    """The sample's positional and keyword arguments by name, with the torch function's defaults."""
    names = list(_SIGNATURES["max" if kind == "max_grad" else kind])
    if len(args) > len(names):
        raise UnexpressedError(f"{len(args)} positional arguments")
    params = dict(_SIGNATURES["max" if kind == "max_grad" else kind])
    params.update(zip(names, args, strict=False))  # the trailing ones keep their defaults
    for key, value in kwargs.items():
        if key not in params:
            raise UnexpressedError(f"argument {key!r}")
        params[key] = value
    return params


def _op_case_maker(name, op, sample, label):
    def make() -> Case:
        kind, rank = _kind_and_rank(name)
        params = _bind(kind, sample.args, sample.kwargs)
        oracle = lambda: op(sample.input, *sample.args, **sample.kwargs)  # noqa: E731
        return _case(kind, rank, sample.input, params, oracle, label)

    return make


def _module_case_maker(module, forward, label):
    def make() -> Case:
        if forward.kwargs or len(forward.args) != 1:
            raise UnexpressedError("module called with other than one input")
        x = forward.args[0]
        nn = torch.nn
        kinds = {
            "Conv": ("conv", ("stride", "padding", "dilation", "groups", "padding_mode")),
            "ConvTranspose": ("conv_transpose", ("stride", "padding", "output_padding", "groups", "dilation")),
            "MaxPool": ("max", ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
            "AvgPool": ("avg", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")),
            "LPPool": ("lp", ("norm_type", "kernel_size", "stride", "ceil_mode")),
        }
        names = {getattr(nn, f"{k}{r}d"): (kind, r) for k, kind in kinds.items() for r in (1, 2, 3)}
        if type(module) not in names:
            raise UnexpressedError(f"module {type(module).__name__}")
        (kind, attributes), rank = kinds[type(module).__name__[:-2]], names[type(module)][1]
        params = {a: getattr(module, a) for a in attributes}
        if kind in ("conv", "conv_transpose"):
            params.update(weight=module.weight, bias=module.bias)
        if kind == "conv_transpose" and module.padding_mode != "zeros":
            raise UnexpressedError(f"padding_mode={module.padding_mode!r}")  # torch itself accepts only zeros
        if kind == "avg":
            params["divisor_override"] = getattr(module, "divisor_override", None)  # AvgPool1d has none
        return _case(kind, rank, x, params, lambda: module(x), label)

    return make


def _case(kind: str, rank: int, x, params: dict, oracle, label: str) -> Case:
    """The convpool arguments for torch's ``params`` (bound by name), ``rank`` spatial axes."""
    if x.dim() not in (rank + 1, rank + 2):
        raise UnexpressedError(f"{x.dim()}-D input")
    case = Case(kind, rank, x, oracle, label)
    if kind in ("conv", "conv_transpose"):
        case.weight, case.bias = params["weight"], params["bias"]
        padding = params["padding"]
        if isinstance(padding, str):
            if padding not in ("same", "valid") or kind == "conv_transpose":
                raise UnexpressedError(f"padding={padding!r}")
        else:
            padding = _pair(padding, "padding", rank)
        options = {
            "padding": padding,
            "stride": _pair(params["stride"], "stride", rank),
            "dilation": _pair(params["dilation"], "dilation", rank),
            "groups": params["groups"],
        }
        if kind == "conv":
            mode = params.get("padding_mode", "zeros")
            if mode not in _PAD_MODES:
                raise UnexpressedError(f"padding_mode={mode!r}")
            options["pad_mode"] = _PAD_MODES[mode]
        else:
            options["output_padding"] = _pair(params["output_padding"], "output_padding", rank)
        case.options = options
        return case
    kernel = _pair(params["kernel_size"], "kernel_size", rank)
    stride = params["stride"]
    case.options = {
        "kernel_shape": kernel,
        "stride": kernel if stride is None or stride == () or stride == [] else _pair(stride, "stride", rank),
        "mode": {"avg": "avg", "lp": "lp"}.get(kind, "max"),
        "padding": _pair(params.get("padding", 0), "padding", rank),  # LPPool has no padding
        "ceil_mode": bool(params["ceil_mode"]),
    }
    if kind == "lp":
        case.options["p"] = float(params["norm_type"])
    elif kind == "avg":
        case.options["count_include_pad"] = bool(params["count_include_pad"])  # torch's default is True
        if params["divisor_override"] is not None:  # the window's sum over the divisor: convpool's 'sum'
            case.options["mode"], case.divisor = "sum", float(params["divisor_override"])
    else:
        case.options["dilation"] = _pair(params["dilation"], "dilation", rank)
        case.return_indices = bool(params["return_indices"]) and kind == "max"
    return case


# --------------------------------------------------------------------------- comparison


def _nhwc(tensor, rank: int = 2) -> np.ndarray:
    """A torch (N)CHW tensor as a convpool NHWC array (a batch of one for an unbatched input); any ``rank``."""
    array = tensor.detach().numpy()
    return np.moveaxis(array[None] if array.ndim == rank + 1 else array, 1, -1)


def _nchw(array: np.ndarray, like, rank: int = 2) -> torch.Tensor:
    """An NHWC array as the torch layout of ``like``'s result: (N)CHW, without the batch axis if unbatched."""
    out = np.ascontiguousarray(np.moveaxis(array, -1, 1))
    return torch.from_numpy(out[0] if like.dim() == rank + 1 else out)


def _kernels(weight, rank: int) -> np.ndarray:
    """Torch weights ``(nc, c // groups, *k)`` as convpool kernels ``(*k, c // groups, nc)``."""
    return weight.detach().numpy().transpose(*range(2, rank + 2), 1, 0)


def _mismatch(ours, theirs, dtype, what: str) -> str | None:
    """Why ``ours`` and ``theirs`` differ beyond the dtype's tolerance, or None."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.shape != theirs.shape:
        return f"{what}: shape {ours.shape}, torch {theirs.shape}"
    if ours.dtype != dtype:
        return f"{what}: dtype {ours.dtype}, expected {np.dtype(dtype)}"
    rtol, atol = _TOLERANCE[dtype]
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    error = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    bad = error > atol * scale + rtol * np.abs(theirs.astype(np.float64))
    if bad.any():
        where = tuple(int(i[0]) for i in np.nonzero(bad))
        return (
            f"{what}: {int(bad.sum())} of {bad.size} cells differ, largest error {error.max():.3g} "
            f"(first at {where}: convpool {ours[where]!r}, torch {theirs[where]!r})"
        )
    return None


def _pool_options(case: Case) -> dict:
    options = dict(case.options)
    kernel, stride, mode = options.pop("kernel_shape"), options.pop("stride"), options.pop("mode")
    return {"kernel_shape": kernel, "stride": stride, "mode": mode, **options}


def _winners(images, case: Case, out_shape) -> np.ndarray | str:
    """Max pooling's winner of every window, as torch's flat ``h * w`` indices, from :func:`pool_backward` alone.

    Output cell ``k`` of a plane gets gradient ``2**k``: the gradient of an input cell is the sum of the powers
    of the windows it won, exact in float64 for up to 52 cells at a time, so its bits name those windows.
    """
    m, *outs, c = out_shape
    inputs = int(np.prod(images.shape[1:-1]))
    cells, indices = int(np.prod(outs)), np.empty((m, int(np.prod(outs)), c), dtype=np.int64)
    for start in range(0, cells, 52):
        stop = min(cells, start + 52)
        powers = np.zeros(cells)
        powers[start:stop] = 2.0 ** np.arange(stop - start)
        grad = np.ascontiguousarray(np.broadcast_to(powers.reshape(1, *outs, 1), out_shape))
        won = pool_backward(grad, images, **_pool_options(case), dtype=np.float64).astype(np.int64)
        bits = (won.reshape(m, inputs, c, 1) >> np.arange(stop - start)) & 1  # (m, cell, channel, window)
        counts = bits.sum(axis=1)
        if (counts != 1).any():
            return f"windows {start}..{stop} of a plane have {sorted(set(counts.ravel().tolist()))} winners"
        indices[:, start:stop] = bits.argmax(axis=1).transpose(0, 2, 1)
    return indices.reshape(m, *outs, c)


def _check(case: Case, np_dtype, rng: np.random.Generator) -> list[str]:
    """What differs between convpool and torch on this case (empty when they agree)."""
    result = case.oracle()
    out_t, indices_t = result if case.return_indices else (result, None)
    rank = case.rank
    x = _nhwc(case.x, rank)
    expected = _nhwc(out_t, rank)

    if case.kind == "max_grad":  # the op is the gradient of max pooling for grad_output = 1
        shape = pool(x, **_pool_options(case)).shape
        ours = pool_backward(np.ones(shape, dtype=np_dtype), x, **_pool_options(case))
        return [p for p in [_mismatch(ours, expected, np_dtype, "max_pool2d_with_indices_backward")] if p]

    # forward first: a result of the wrong shape leaves no gradient to compare
    conv = case.kind in ("conv", "conv_transpose")
    if conv:
        kernels = _kernels(case.weight, rank)
        options = dict(case.options)
        args = (x, kernels, options.pop("padding"), options.pop("stride"))
        ours = (convolve if case.kind == "conv" else convolve_transpose)(*args, **options)
        if case.bias is not None:  # convpool has no bias: add it (its gradient is grad_output's sum)
            ours = ours + case.bias.detach().numpy()
    else:
        options = _pool_options(case)
        ours = pool(x, **options)
        if case.divisor is not None:
            ours = ours / np_dtype(case.divisor)
    problems = [_mismatch(ours, expected, np_dtype, "forward")]
    if problems[0] and ours.shape != expected.shape:
        return problems

    grad_out = rng.standard_normal(expected.shape).astype(np_dtype)
    wrt = [t for t in (case.x, case.weight, case.bias) if t is not None]
    grads_t = torch.autograd.grad(out_t, wrt, grad_outputs=_nchw(grad_out, out_t, rank))
    if conv:
        backward = convolve_backward if case.kind == "conv" else convolve_transpose_backward
        grad_x, grad_k = backward(grad_out, *args, **options)
        problems.append(_mismatch(grad_k, _kernels(grads_t[1], rank), np_dtype, "grad weight"))
        if case.bias is not None:
            sums = grad_out.sum(axis=tuple(range(rank + 1)))
            problems.append(_mismatch(sums, grads_t[2].numpy(), np_dtype, "grad bias"))
    else:
        scaled = grad_out if case.divisor is None else grad_out / np_dtype(case.divisor)
        grad_x = pool_backward(scaled, x, **options)
        if case.return_indices:
            winners = _winners(x, case, ours.shape)
            if isinstance(winners, str):
                problems.append(f"indices: {winners}")
            elif not np.array_equal(winners, _nhwc(indices_t, rank)):
                problems.append(
                    f"indices: convpool's winners\n{winners}\ndiffer from torch's\n{_nhwc(indices_t, rank)}"
                )
            returned = pool(x, **options, return_indices=True)[1]  # what pool itself says, in every rank
            if not np.array_equal(returned, _nhwc(indices_t, rank)):
                problems.append(f"indices: pool's return_indices\n{returned}\ndiffer from torch's")
    problems.append(_mismatch(grad_x, _nhwc(grads_t[0], rank), np_dtype, "grad input"))
    return [p for p in problems if p]


# --------------------------------------------------------------------------- tests

_ENTRIES = [("op", name) for name in OP_NAMES] + [("module", name) for name in MODULE_NAMES]


def _run(torch_samples: TorchSamples, source: str, name: str, dtype: str):
    """Every sample of one entry and dtype: (how many agree, Counter of reasons unexpressed, failures)."""
    rng = np.random.default_rng(20261206)
    agreed, unexpressed, failures = 0, Counter(), []
    for label, make_case in torch_samples.samples(source, name, dtype):
        try:
            case = make_case()
        except UnexpressedError as missing:
            unexpressed[missing.reason] += 1
            continue
        try:
            problems = _check(case, DTYPES[dtype][1], rng)
        except Exception as error:  # a convpool error on an expressible sample is a failure
            problems = [f"raised {type(error).__name__}: {error}"]
        if problems:
            failures.append(f"{label}:\n  " + "\n  ".join(problems))
        else:
            agreed += 1
    return agreed, unexpressed, failures


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize(("source", "name"), _ENTRIES, ids=[f"{s}:{n}" for s, n in _ENTRIES])
def test_samples_agree(torch_samples, source, name, dtype):
    entries = torch_samples.ops if source == "op" else torch_samples.modules
    assert name in entries, f"PyTorch has no {source} entry {name!r} any more: update OP_NAMES / MODULE_NAMES"
    agreed, unexpressed, failures = _run(torch_samples, source, name, dtype)
    total = agreed + sum(unexpressed.values()) + len(failures)
    summary = f"{name} {dtype}: {agreed} of {total} samples agree; not expressible: {dict(unexpressed) or 'none'}"
    print(summary)
    assert not failures, f"{summary}; {len(failures)} disagree:\n" + "\n".join(failures[:10])
    if agreed == 0:
        pytest.skip(f"{summary} (allowed: {ALLOWED_UNEXPRESSED})")


def test_every_sample_is_expressed(torch_samples):
    """Coverage: every sample translates to convpool, but for the reasons in ALLOWED_UNEXPRESSED."""
    lines, reasons = [], Counter()
    expressed = total = 0
    for source, name in _ENTRIES:
        for dtype in DTYPES:
            samples = torch_samples.samples(source, name, dtype)
            missing = Counter()
            for _, make_case in samples:
                try:
                    make_case()
                except UnexpressedError as error:
                    missing[error.reason] += 1
            reasons += missing
            expressed += len(samples) - sum(missing.values())
            total += len(samples)
            lines.append(
                f"  {source} {name} {dtype}: {len(samples) - sum(missing.values())} of {len(samples)} expressible"
                + (f"; not: {dict(missing)}" if missing else "")
            )
    summary = f"{expressed} of {total} PyTorch OpInfo/ModuleInfo samples have a convpool equivalent\n" + "\n".join(
        lines
    )
    print(summary)
    assert set(reasons) <= set(ALLOWED_UNEXPRESSED), f"unexpected reasons {set(reasons) - set(ALLOWED_UNEXPRESSED)}"
    assert all(name in torch_samples.ops for name in OP_NAMES), sorted(torch_samples.ops)
    assert all(name in torch_samples.modules for name in MODULE_NAMES), sorted(torch_samples.modules)


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
def test_conv2d_module_padding_modes(torch_samples, padding_mode):
    """nn.Conv2d's samples again with each padding_mode (ModuleInfo has only zeros): convpool's pad_mode."""
    info = torch_samples.modules["nn.Conv2d"]
    rng = np.random.default_rng(1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        samples = info.module_inputs_func(info, device="cpu", dtype=torch.float64, requires_grad=True, training=True)
        failures, padded = [], 0
        for sample in samples:
            ctor, forward = sample.constructor_input, sample.forward_input
            module = info.module_cls(*ctor.args, **{**ctor.kwargs, "padding_mode": padding_mode}).double()
            label = f"Conv2d(*{ctor.args}, **{ctor.kwargs}, padding_mode={padding_mode!r}) on {_show(forward.args)}"
            case = _module_case_maker(module, forward, label)()
            padded += case.options["padding"] != (0, 0)
            failures += [f"{label}: {p}" for p in _check(case, np.float64, rng)]
    assert padded, "no sample pads: the padding mode is never exercised"
    assert not failures, "\n".join(failures)
