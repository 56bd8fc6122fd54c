#!/usr/bin/env bash
# Builds one fuzz target with libFuzzer and AddressSanitizer and runs it on its seed corpus.
#   Fuzz/run.sh TARGET [SECONDS | -runs=N] [more libFuzzer flags]
# TARGET: FuzzEventDecoder | FuzzBatchSplitter | FuzzSearchParser. The corpus grows in
# Fuzz/.corpus/TARGET (not committed; the seeds are Fuzz/Corpus/TARGET); a crash is written to
# Fuzz/.artifacts/TARGET/ and the run exits non-zero.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: Fuzz/run.sh FuzzEventDecoder|FuzzBatchSplitter|FuzzSearchParser [SECONDS | -runs=N]}
shift
budget=(-max_total_time=60)
if [ $# -gt 0 ]; then
  case $1 in
    -*) budget=() ;;
    *) budget=(-max_total_time="$1"); shift ;;
  esac
fi
case $target in
  FuzzEventDecoder) max_len=70000 ;;   # a little over one event (64 KiB)
  FuzzBatchSplitter) max_len=140000 ;; # two events' worth
  FuzzSearchParser) max_len=1100 ;;    # a little over the longest q (1,024 bytes)
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
swift build -c release --product "$target" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
bin=$(swift build -c release --show-bin-path -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)/$target
mkdir -p ".corpus/$target" ".artifacts/$target"
dict=()
[ -f "Corpus/$target.dict" ] && dict=(-dict="Corpus/$target.dict")
# -timeout: one input may take 5 s at most (a hang; every target reads an input in milliseconds,
# but at 1 s a shared 2-core machine under load reported AddressSanitizer's quarantine recycling
# as a timeout); -rss_limit_mb: memory that grows with the input shows up as a crash; leaks are
# reported by AddressSanitizer's LeakSanitizer.
exec "$bin" ".corpus/$target" "Corpus/$target" "${dict[@]}" \
  -max_len="$max_len" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=".artifacts/$target/" "${budget[@]}" "$@"
