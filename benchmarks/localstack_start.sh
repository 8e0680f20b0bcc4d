#!/usr/bin/env bash
# Start-to-healthy time and idle memory of the host-run LocalStack core (.ci/localstack), N times.
#   bash benchmarks/localstack_start.sh [N]      (the venv is installed on the first start)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
port=${LOCALSTACK_PORT:-4566}
pidfile=${LOCALSTACK_STATE_DIR:-${TMPDIR:-/tmp}/pipeline-harness-localstack-$port}/localstack.pid
bash .ci/localstack start >/dev/null  # installs once, outside the timing
bash .ci/localstack stop >/dev/null
times=()
for _ in $(seq 1 "$runs"); do
    t0=$(date +%s.%N)
    bash .ci/localstack start >/dev/null
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')")
    sleep 5
    rss_kib=$(ps -o rss= -g "$(cat "$pidfile")" | awk '{s+=$1} END {print s}')
    echo "start to healthy: ${times[-1]} s; idle RSS of its process group: $((rss_kib / 1024)) MiB"
    bash .ci/localstack stop >/dev/null
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median start to healthy: " a[int((NR+1)/2)] " s over " NR " runs"}'
