#!/usr/bin/env python3
"""gen_data.py -- writes the ONNX backend node test data into a folder.

Runs `python3 -m onnx.backend.test.cmd_tools generate-data -o OUT` from the
installed onnx package (Debian's python3-onnx 1.12).  onnx 1.12's test case
generators still use numpy aliases that numpy 1.24 removed (np.float,
np.int, np.bool, np.object, ...), so they are put back first; each alias is
the Python builtin it used to name.

Usage: gen_data.py OUT
"""
import builtins
import sys

import numpy as np

REMOVED_ALIASES = ("bool", "int", "float", "complex", "object", "str")

for alias in REMOVED_ALIASES:
    if alias not in np.__dict__:
        setattr(np, alias, getattr(builtins, alias))

from onnx.backend.test import cmd_tools  # noqa: E402  (after the aliases)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_data.py OUT")
    sys.argv = [sys.argv[0], "generate-data", "-o", sys.argv[1]]
    cmd_tools.main()


if __name__ == "__main__":
    main()
