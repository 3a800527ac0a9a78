#!/usr/bin/env bash
# Runs the benchmarks of a (Release) build tree one after another, prints their `name value`
# lines, then a summary of the headline figures with their targets (DESIGN.md §7).
#   run-bench.sh BUILD_DIR            e.g. build/release (what `make bench` runs)
# Environment: SB_BENCH_DIR (parent dir for RocksDB data, default /tmp: put it on the disk the
# data will live on), SB_BENCH_ONLY="bench_log bench_http" (run a subset), plus what each bench
# reads (bench/README.md). Never fails on timing: exits 0 unless a bench crashed or timed out.
set -uo pipefail

build=${1:?usage: run-bench.sh BUILD_DIR}
build=$(readlink -f "$build")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=$build/bench
[ -d "$bench_dir" ] || { echo "run-bench: no $bench_dir (build the tree first)" >&2; exit 2; }
if grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null; then :; else
  echo "run-bench: warning: $build is not a Release tree; figures will be meaningless" >&2
fi

export SB_SOURCE_DIR=$root
[ -x "$build/switchboard" ] && export SB_BINARY=${SB_BINARY:-$build/switchboard}
data_parent=${SB_BENCH_DIR:-/tmp}

# Known benches in this order (cheap and self-contained first), then any other bench_* found.
# Each gets a wall-clock cap so the whole run stays bounded (~5-6 minutes in all).
order=(bench_log bench_projection bench_kafka bench_pipeline bench_http)
declare -A cap=([bench_log]=120 [bench_projection]=240 [bench_kafka]=180 [bench_pipeline]=120 [bench_http]=420)
declare -A args=([bench_log]="$data_parent" [bench_pipeline]="$data_parent")
benches=()
for b in "${order[@]}"; do [ -x "$bench_dir/$b" ] && benches+=("$b"); done
for f in "$bench_dir"/bench_*; do
  b=$(basename "$f")
  if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
  [[ " ${order[*]} " == *" $b "* ]] || benches+=("$b")
done
if [ -n "${SB_BENCH_ONLY:-}" ]; then
  kept=()
  for b in "${benches[@]}"; do [[ " $SB_BENCH_ONLY " == *" $b "* ]] && kept+=("$b"); done
  benches=("${kept[@]}")
fi

out=$(mktemp /tmp/sb-bench-out.XXXXXX)
trap 'rm -f "$out"' EXIT
failed=()
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)
start=$SECONDS
echo "== switchboard benchmarks: $build ($(nproc) cores, load average $load_start)"
for b in "${benches[@]}"; do
  echo "-- $b (load average $(loadavg))"
  t0=$SECONDS
  # shellcheck disable=SC2086  # args are one path or nothing
  timeout --foreground --signal=TERM --kill-after=30 "${cap[$b]:-300}" "$bench_dir/$b" ${args[$b]:-} | tee -a "$out"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 124 ] && why="timed out after ${cap[$b]:-300} s" || why="exit status $rc"
    echo "-- $b FAILED ($why)"
    failed+=("$b")
  fi
  echo "-- $b took $((SECONDS - t0)) s"
done

# --- summary -------------------------------------------------------------------------------------
declare -A v=()
while read -r name value _; do
  [[ "$name" =~ ^[a-z0-9_.]+$ ]] && [[ "$value" =~ ^-?[0-9.]+$ ]] && v[$name]=$value
done <"$out"

get() { echo "${v[$1]:-n/a}"; }
# the first measured name starting with $1 (bench_http suffixes some with the worker count)
first() {
  local k
  for k in $(printf '%s\n' "${!v[@]}" | sort); do [[ "$k" == "$1"* ]] && { echo "$k"; return; }; done
  echo "$1"
}
# check NAME OP TARGET LABEL: "met" / "NOT met" / "not measured"
check() {
  local value=${v[$1]:-} op=$2 target=$3
  if [ -z "$value" ]; then echo "not measured"; return; fi
  if awk -v a="$value" -v b="$target" -v op="$op" 'BEGIN { exit !((op == ">=") ? (a >= b) : (a <= b)) }'; then
    echo "target $op $target: met"
  else
    echo "target $op $target: NOT met"
  fi
}

echo
echo "== summary ($((SECONDS - start)) s; load average at start $load_start, at end $(loadavg); $(nproc) cores)"
wide=$(first http.bookings_per_s_)
wide_p50=${wide/bookings_per_s/booking_p50_ms}
wide_p99=${wide/bookings_per_s/booking_p99_ms}
creates=$(first http.customer_creates_per_s)
printf '%-44s %s\n' \
  "pipeline.bookings_per_s (no HTTP)" "$(get pipeline.bookings_per_s)  ($(get pipeline.events_per_s) events/s, 64 threads, 1 tenant)" \
  "pipeline.tenants16.bookings_per_s" "$(get pipeline.tenants16.bookings_per_s)" \
  "http.bookings_per_s (HTTP + read model)" "$(get http.bookings_per_s)  (p50 $(get http.booking_p50_ms) ms, p99 $(get http.booking_p99_ms) ms; default 8 workers)" \
  "$wide" "$(get "$wide")  (p50 $(get "$wide_p50") ms, p99 $(get "$wide_p99") ms)" \
  "$creates" "$(get "$creates")" \
  "log.append_events_per_s" "$(get log.append_events_per_s)  (raw synced WriteBatch $(get log.raw_rocksdb_events_per_s); 1-event appends, 64 threads)" \
  "log.ratio" "$(get log.ratio) ($(check log.ratio '>=' 0.5))" \
  "log.ratio_concurrent (vs 64 raw synced writers)" "$(get log.ratio_concurrent)  (raw $(get log.raw_concurrent_events_per_s) events/s)" \
  "log.ratio_10 (10-event appends)" "$(get log.ratio_10) ($(check log.ratio_10 '>=' 0.5))" \
  "projection.events_per_s" "$(get projection.events_per_s)  (raw COPY $(get projection.raw_copy_rows_per_s))" \
  "projection.ratio" "$(get projection.ratio) ($(check projection.ratio '>=' 0.3))" \
  "kafka.append_events_per_s" "$(get kafka.append_events_per_s)  (raw producer $(get kafka.raw_producer_events_per_s); 1-event appends, 64 threads, $(get kafka.appends_per_transaction) per transaction)" \
  "kafka.ratio" "$(get kafka.ratio) ($(check kafka.ratio '>=' 0.5); vs 64 waiting senders $(get kafka.ratio_concurrent); 10-event $(get kafka.ratio_10))" \
  "kafka.e2e_lag_p50_ms / p99_ms" "$(get kafka.e2e_lag_p50_ms) / $(get kafka.e2e_lag_p99_ms)  (append to PostgreSQL at $(get kafka.e2e_events_per_s) events/s)" \
  "search.customers" "$(get search.customers)" \
  "search.p50_ms" "$(get search.p50_ms)  (name $(get search.name_p50_ms), phone $(get search.phone_p50_ms); 8 clients)" \
  "search.p99_ms" "$(get search.p99_ms) ($(check search.p99_ms '<=' 20); name $(get search.name_p99_ms), phone $(get search.phone_p99_ms))" \
  "search.cold.p50_ms / p99_ms (stale stats)" "$(get search.cold.p50_ms) / $(get search.cold.p99_ms)" \
  "search.serial.p50_ms / p99_ms (1 client)" "$(get search.serial.p50_ms) / $(get search.serial.p99_ms)" \
  "search.flushed.p50_ms / p99_ms (GIN merged)" "$(get search.flushed.p50_ms) / $(get search.flushed.p99_ms)  (1 client: $(get search.flushed.serial.p50_ms) / $(get search.flushed.serial.p99_ms))"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "== FAILED: ${failed[*]}"
  exit 1
fi
exit 0
