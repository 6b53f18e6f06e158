#!/usr/bin/env bash
# Formats the tracked C/C++ sources with clang-format-22 and .clang-format
# (LLVM style, as MLIR uses it).
#   scripts/format.sh           reformat them in place
#   scripts/format.sh --check   print the files that differ; exit 1 if any
# CLANG_FORMAT=/path/to/clang-format overrides the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

CLANG_FORMAT=${CLANG_FORMAT:-$(command -v clang-format-22 || true)}
if [[ -z $CLANG_FORMAT ]]; then
  echo "error: clang-format-22 not found (apt-get install clang-format-22," \
    "or run scripts/setup.sh)" >&2
  exit 2
fi

# Generated or third-party sources are not ours to format; none is tracked
# today. Add their paths (git pathspecs) here.
EXCLUDE=()

mapfile -d '' files < <(git ls-files -z -- '*.c' '*.h' '*.cpp' '*.hpp' \
  "${EXCLUDE[@]/#/:!}")

if ((!check)); then
  ((${#files[@]})) && "$CLANG_FORMAT" -i --style=file -- "${files[@]}"
  exit 0
fi

differ=0
for f in "${files[@]}"; do
  if ! "$CLANG_FORMAT" --style=file -- "$f" | cmp -s - "$f"; then
    echo "$f"
    differ=1
  fi
done
if ((differ)); then
  echo "These files differ from clang-format's output; run scripts/format.sh." >&2
fi
exit $differ
