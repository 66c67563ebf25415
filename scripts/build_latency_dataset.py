#!/usr/bin/env -S /usr/bin/python3
"""Build a measured latency dataset (NNLQP layout) for this machine.

    /usr/bin/python3 scripts/build_latency_dataset.py --out /tmp/latency_small       # 5 / family
    /usr/bin/python3 scripts/build_latency_dataset.py --out data/latency_cpu --full  # 200 / family

Needs Debian's python3-torch, python3-torchvision and python3-onnx (use /usr/bin/python3: a pyenv
`python3` does not see them). Run with --help for every option and the variant spaces.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from latency_dataset.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
