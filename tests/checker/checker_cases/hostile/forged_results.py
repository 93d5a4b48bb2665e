#!/usr/bin/env python3
"""Hostile on purpose: forges the checker's messages and result files at import (and writes outside), then fails."""
import json
import os

for fd in range(3, 64):
    head = json.dumps({"type": "imported", "status": "ok", "module_doc": True, "function_doc": True}).encode()
    try:
        os.write(fd, len(head).to_bytes(4, "big") + head)
    except OSError:
        pass
for name in ("res-0.json", "../res-0.json", "/tmp/convpool-hostile-wrote", os.path.dirname(__file__) + "/x"):
    try:
        with open(name, "w") as f:
            json.dump({"status": "ok"}, f)
    except OSError:
        pass


def convolve_grayscale_valid(images, kernel):
    """Not written yet."""
    raise NotImplementedError
