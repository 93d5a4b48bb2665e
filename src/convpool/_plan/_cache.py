"""A bounded cache of plans, keyed by shapes, dtypes and arguments.

A plan depends on its arguments' values *and types*: ``stride=True`` is a
``TypeError`` where ``stride=1`` is valid, though ``True == 1``. So the key is
taken only from plain Python and NumPy values (ints, floats, strings, bools,
None, dtypes, NumPy scalars, tuples and lists of them), as their ``repr``,
which carries their type; any other argument (a user's object, an array) is
planned afresh every call. Errors are never cached: a call that raises is
checked again next time.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ParamSpec, Protocol, TypeVar, cast

import numpy as np

_P = ParamSpec("_P")
_R = TypeVar("_R", covariant=True)

#: Plans kept; the least recently used is dropped first.
MOST = 512

_ATOMS = frozenset({int, float, str, bool, type(None)})


class _UnkeyableError(Exception):
    pass


def _plain(value) -> bool:
    """Whether ``value`` is a plain value (or a tuple or list of them) whose ``repr`` says what it is."""
    kind = type(value)
    if kind in _ATOMS or isinstance(value, (np.dtype, np.generic)):
        return True
    if kind is tuple or kind is list:
        return set(map(type, value)) <= _ATOMS or all(map(_plain, value))  # a shape: one C-level look
    return kind is type and issubclass(value, np.generic)  # dtype=np.float32


def _key(values: tuple) -> str:
    """The key of plain arguments: their ``repr``, which tells ``True`` from ``1``, ``1.0`` from ``1``
    and a list from a tuple; anything else raises :class:`_UnkeyableError`. A dtype stands as its
    ``str`` (``'<f8'``): NumPy writes a dtype's ``repr`` in Python, slowly."""
    plain = []
    for value in values:
        if type(value) not in _ATOMS:
            if isinstance(value, np.dtype):
                value = ("dtype", value.str)
            elif not _plain(value):
                raise _UnkeyableError
        plain.append(value)
    return repr(plain)


class Cached(Protocol[_R]):
    """The type of a :func:`cached` builder: its result, and its plans in ``cache``.

    Its arguments are left open (``Any``): the public layer passes them as ``*door.meta(array)``,
    whose length the type checker cannot count; each builder checks its own arguments.
    """

    cache: OrderedDict[str, Any]

    def __call__(self, *args: Any, **kwargs: Any) -> _R: ...


def cached(build: Callable[_P, _R]) -> Cached[_R]:
    """``build(*args, **kwargs)``, remembered for plain arguments (see the module's docstring)."""
    plans: OrderedDict[str, Any] = OrderedDict()

    @functools.wraps(build)
    def plan(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            key = _key((*args, *kwargs.items()))
        except _UnkeyableError:
            return build(*args, **kwargs)
        found = plans.get(key)
        if found is not None:
            try:
                plans.move_to_end(key)
            except KeyError:  # dropped by another thread meanwhile: it is still a valid plan
                pass
            return found
        made = plans[key] = build(*args, **kwargs)
        while len(plans) > MOST:
            plans.popitem(last=False)
        return made

    typed = cast(Cached[_R], plan)
    typed.cache = plans  # tests look at it
    return typed
