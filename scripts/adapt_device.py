#!/usr/bin/env -S /usr/bin/python3
"""A shipped latency predictor adapted to this machine from a few measured networks.

    /usr/bin/python3 scripts/adapt_device.py --pretrained latency_cpu --out runs/my_device \
        --n 50 --threads 2 --batch-size 4

Measures n + check generated networks here (the latency-dataset builder's protocol), fine-tunes
the pretrained predictor on n of them, and reports it on the check networks beside the rescaled
pretrained predictor, training from scratch and the device's noise floor. Resumable: run the same
command again after an interruption. Run with --help for every option.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from latency_dataset.adapt import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
