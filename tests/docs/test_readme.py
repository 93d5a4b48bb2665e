"""The README's quickstart runs and says what it returns."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quickstart_runs_and_its_comments_are_true():
    block = re.search(r"## Quickstart\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(block, namespace)
    assert namespace["out"].shape == (64, 16, 16, 8) and namespace["out"].dtype == np.float32
    assert namespace["pooled"].shape == (64, 8, 8, 8)
    assert namespace["edges"].shape == (64, 26, 26) and namespace["edges"].dtype == np.float64
    # the shape-helper lines state their results in comments: check each
    for call, expected in re.findall(r"^(cp\.conv_\w+\(.*?\))\s+# (.*)$", block, re.M):
        assert str(eval(call, namespace)) == expected
