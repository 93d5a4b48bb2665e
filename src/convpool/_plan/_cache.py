"""A bounded cache of plans, keyed by shapes, dtypes and arguments.

A plan depends on its arguments' values *and types*: ``stride=True`` is a
``TypeError`` where ``stride=1`` is valid, though ``True == 1``. So the key is
taken only from plain Python and NumPy values (ints, floats, strings, bools,
None, dtypes, tuples and lists of them), each with its type; any other
argument (a user's object, an array) is planned afresh every call. Errors
are never cached: a call that raises is checked again next time.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

#: Plans kept; the least recently used is dropped first.
MOST = 512

_ATOMS = frozenset({int, float, str, bool, type(None), np.dtype})
_INTS = frozenset({int})


class _UnkeyableError(Exception):
    pass


def _key(value):
    kind = type(value)
    if kind in _ATOMS or isinstance(value, np.dtype):
        return kind, value
    if kind is tuple or kind is list:
        if set(map(type, value)) <= _INTS:  # a shape or a pair of ints (the common case), checked in C
            return kind, tuple(value)
        return kind, tuple(map(_key, value))
    if isinstance(value, np.generic) or (kind is type and issubclass(value, np.generic)):
        return kind, value
    raise _UnkeyableError


def cached(build: Callable) -> Callable:
    """``build(*args, **kwargs)``, remembered for plain arguments (see the module's docstring)."""
    plans: OrderedDict = OrderedDict()

    @functools.wraps(build)
    def plan(*args, **kwargs):
        try:
            key = _key(args), _key(tuple(kwargs.items()))
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

    plan.cache = plans  # tests look at it
    return plan
