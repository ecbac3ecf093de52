#!/usr/bin/env bash
# Fuzzes every decoder of untrusted bytes with libFuzzer + AddressSanitizer.
#
# Usage: Scripts/fuzz.sh [SECONDS-PER-TARGET] [TARGET…]
#   targets: frames frames-small json manifest manifest-small spdx statements chunk-index catalog reconcile index http
#            markdown markdown-small holdings okh bundle bundle-verify
#   (default: all). A target NAME-small is the NAME harness on inputs of at most 8 KiB (seeds of that size only): it
#   runs many times faster than NAME, whose seeds reach the size limits (1,024-file manifests, 64 KiB frames).
#   SECONDS defaults to 25; with FUZZ_RUNS=N a target also stops after N executions (for long runs). Corpora grow in .build-fuzz/corpus/TARGET (seeds come from Protocol/vectors and
#   Examples via Scripts/fuzz-seeds.py); crashing inputs are saved in .build-fuzz/crashes/TARGET/.
# Exits 1 if any target crashed, leaked, timed out or ran out of memory, or if the build has no coverage.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-25}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(frames frames-small json manifest manifest-small spdx statements chunk-index catalog reconcile index http
             markdown markdown-small holdings okh bundle bundle-verify)
fi

# FUZZ_BUILD picks another build folder (e.g. to build a changed harness while a long run uses the default one).
build="${FUZZ_BUILD:-.build-fuzz}"
binary="$build/release/allmende-fuzz"
# SwiftPM turns `--sanitize=fuzzer --sanitize=address` into two `-sanitize=` flags and swiftc keeps only the
# last one, so such a build has either coverage or AddressSanitizer, depending on their order. `--sanitize=fuzzer`
# makes SwiftPM link libFuzzer's main; the one combined `-sanitize=fuzzer,address` after it is what swiftc uses.
build_harness() {
    ALLMENDE_FUZZ=1 swift build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --product allmende-fuzz \
        --build-path "$build" 2>&1 | grep -vE "Cannot export local symbol '__asan_extra_spill_area'" | tail -n 3
}
# True if the harness has coverage counters and AddressSanitizer.
has_coverage() {
    local empty found output
    empty=$(mktemp -d)
    found=1
    # One run prints both libFuzzer's counters and (with help=1) AddressSanitizer's flags, if they are linked in.
    output=$(ASAN_OPTIONS=help=1 ALLMENDE_FUZZ_TARGET=json SWIFT_BACKTRACE=enable=no "$binary" -runs=0 "$empty" 2>&1 || true)
    if [ "$(grep -c "inline 8-bit counters" <<<"$output")" -gt 0 ] \
        && [ "$(grep -c "Available flags for AddressSanitizer" <<<"$output")" -gt 0 ]; then found=0; fi
    rmdir "$empty"
    [ "$found" = 0 ]
}
echo "fuzz: building allmende-fuzz (release, -sanitize=fuzzer,address)"
build_harness
if ! has_coverage; then
    echo "fuzz: the build lacks coverage counters or AddressSanitizer; building again from scratch"
    rm -rf "$build/release" "$build/x86_64-unknown-linux-gnu/release" "$build/aarch64-unknown-linux-gnu/release"
    build_harness
    if ! has_coverage; then echo "fuzz: still no coverage counters or AddressSanitizer: cannot fuzz"; exit 1; fi
fi

# Seeds of this run only (two runs side by side must not delete each other's).
seeds="$build/seeds-$$"
rm -rf "$seeds"
trap 'rm -rf "$seeds"' EXIT
python3 Scripts/fuzz-seeds.py "$seeds"
# The small-input targets: their harness's seeds of at most 8 KiB; bundle-verify: the bundle seeds.
for target in "${targets[@]}"; do
    case "$target" in
        *-small)
            mkdir -p "$seeds/$target"
            find "$seeds/${target%-small}" -type f -size -8193c -exec cp {} "$seeds/$target/" \;
            ;;
        bundle-verify)
            mkdir -p "$seeds/$target"
            cp "$seeds/bundle/"* "$seeds/$target/"
            ;;
    esac
done

# Each crash would otherwise wait ~30 s in Swift's backtracer.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"

max_len() {
    case "$1" in
        manifest|json) echo 262144 ;;   # a 1,024-file manifest is ~210 KB
        *-small) echo 8192 ;;
        frames) echo 70000 ;;           # a control frame at its 64 KiB limit, plus the split byte
        *) echo 65536 ;;
    esac
}

failed=0
printf '%-12s %12s %10s %8s %s\n' target executions exec/s corpus result
for target in "${targets[@]}"; do
    corpus="$build/corpus/$target"
    crashes="$build/crashes/$target"
    mkdir -p "$corpus" "$crashes"
    log="$build/fuzz-$target.log"
    set +e
    harness="${target%-small}"
    ALLMENDE_FUZZ_TARGET="$harness" "$binary" "$corpus" "$seeds/$target" \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$crashes/" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} >"$log" 2>&1
    status=$?
    set -e
    if ! grep -q "inline 8-bit counters" "$log"; then
        echo "fuzz: $target ran without coverage counters (a build without -sanitize=fuzzer instrumentation)"
        failed=1
    fi
    runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
    rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
    size=$(find "$corpus" -type f | wc -l)
    result=ok
    if [ "$status" != 0 ]; then
        result="FAILED (exit $status; see $log and $crashes/)"
        grep -E "ERROR|SUMMARY|property failed|Fatal error" "$log" | head -n 5 || true
        failed=1
    fi
    printf '%-12s %12s %10s %8s %s\n' "$target" "$runs" "$rate" "$size" "$result"
done
exit "$failed"
