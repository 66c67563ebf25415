#!/usr/bin/env bash
# Sets up (scripts/setup.sh, idempotent) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure
