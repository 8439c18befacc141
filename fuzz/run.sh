#!/usr/bin/env bash
# Run every fuzz target for a bounded time: bash fuzz/run.sh [SECONDS_EACH=600] [TARGET…]
# Needs cargo-fuzz (cargo install cargo-fuzz). The machine's stable toolchain
# is used with RUSTC_BOOTSTRAP=1 for libFuzzer's instrumentation flags.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_feed decode_charset sanitize render)
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  # Seed the feed parser with the project's own fixtures.
  if [ "$t" = parse_feed ]; then cp ../src/demo/samples/*.xml ../src/demo/samples/*.json "corpus/$t/" 2>/dev/null || true; fi
  echo "== $t for ${secs}s"
  cargo fuzz run --sanitizer none "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="artifacts/$t/" 2>&1 | grep -E "^(#[0-9]+.*DONE|Done|==|.*(crash|timeout|leak|panicked|ERROR))" || true
  if ls "artifacts/$t"/* >/dev/null 2>&1; then echo "findings for $t in fuzz/artifacts/$t"; else echo "$t: no findings"; fi
done
