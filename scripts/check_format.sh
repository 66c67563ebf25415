#!/usr/bin/env bash
# The house style, checked on every C++ source under version control (run by ctest as
# format.clang_format): clang-format-14 with .clang-format (Google style, 100 columns) must
# leave each file unchanged. Prints the files that differ and how to fix them; exits 1.
# Without clang-format-14 (scripts/setup.sh installs it) the check is skipped (exit 77).
set -euo pipefail
cd "$(dirname "$0")/.."
format=${CLANG_FORMAT:-clang-format-14}
command -v "$format" >/dev/null || { echo "format: $format not found, check skipped"; exit 77; }
# Outside a git checkout (an unpacked tarball) check what would be tracked.
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h' ':!tests/fixtures')
else
  mapfile -t files < <(find include src tools tests fuzz python -name '*.cpp' -o -name '*.h' | grep -v '^tests/fixtures')
fi
bad=()
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  "$format" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "format: ${#bad[@]} files differ from clang-format-14's layout:"
  printf '  %s\n' "${bad[@]}"
  echo "fix: $format -i ${bad[*]}"
  exit 1
fi
echo "format: ${#files[@]} files follow .clang-format"
