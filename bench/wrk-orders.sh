#!/usr/bin/env bash
# Order throughput over HTTP with wrk (a C load generator, so the client takes little of the two
# cores), next to raw PostgreSQL doing the same statements. Usage: bench/wrk-orders.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-32}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
./numpool bench --classpath-only >/dev/null 2>&1 || true
keys=$(mktemp)
coproc SERVE { exec "$JAVA_HOME/bin/java" -Xmx2g \
  -Djava.util.logging.config.file=web/src/main/resources/logging.properties \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.numpool.bench.OrderThroughput serve "$keys" 2>/dev/null; }
node=$SERVE_PID
url=""
while read -r line <&"${SERVE[0]}"; do case "$line" in URL*) url=${line#URL }; break;; esac; done
read -r _ pg_port first last pg_data <&"${SERVE[0]}"
echo "node at $url, $connections connections, $seconds s per run, $(nproc) cores"

# CPU time in ms of the JVM (the node, or the raw reference's client in the raw runs), of
# PostgreSQL (the postmaster with every backend it reaped, plus the live ones) and of Redis.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
postmaster=$(pgrep -f -- "-D $pg_data" | head -1)
redis=$(pgrep -P "$node" redis-server | head -1 || true)
hz=$(getconf CLK_TCK)
cpu() {
  local pg=0 p
  pg=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat")
  for p in $(pgrep -P "$postmaster"); do pg=$((pg + $(ticks "$p"))); done
  echo "$(ticks "$node") $pg $( [ -n "$redis" ] && ticks "$redis" || echo 0)"
}
# "orders/s ..." and the CPU before and after: CPU ms per order of the JVM, PostgreSQL and Redis.
per_order() {
  local rate=${1%% *} secs=$2
  [ -n "$rate" ] || { echo "no result"; return; }
  read -r j0 p0 r0 <<<"$3"; read -r j1 p1 r1 <<<"$4"
  awk -v r="$rate" -v s="$secs" -v hz="$hz" -v j=$((j1 - j0)) -v p=$((p1 - p0)) -v d=$((r1 - r0)) \
    'BEGIN { n = r * s; printf "CPU per order: JVM %.2f ms, PostgreSQL %.2f ms, Redis %.2f ms", j * 1000 / hz / n, p * 1000 / hz / n, d * 1000 / hz / n }'
}
run() { KEYS_FILE=$keys MANY_OFFERS=$2 wrk -t2 -c"$connections" -d"$1"s -s bench/orders.lua "$url/v1/activations" | grep RESULT | sed 's/RESULT //'; }
measured() { # label, then the command that prints "N orders/s ..."
  local label=$1; shift
  local before after out
  before=$(cpu); out=$("$@"); after=$(cpu)
  echo "$label: $out; $(per_order "$out" "$seconds" "$before" "$after")"
}
raw() { echo "raw $seconds $connections $1" >&"${SERVE[1]}"; read -r row <&"${SERVE[0]}"; echo "$row" | awk -F'|' '{gsub(/ /, "", $3); print $3 " orders/s, p50 " $4 "ms, p99 " $5 "ms"}'; }
pgb() {
  pgbench -n -h 127.0.0.1 -p "$pg_port" -U postgres -M prepared -c "$connections" -j 2 -T "$seconds" \
    -D first="$first" -D last="$last" -f bench/order.pgbench postgres 2>"${TMPDIR:-/tmp}/pgbench.err" | awk '/^tps/ {tps = $3} /latency average/ {mean = $4} END {printf "%.0f orders/s, mean %s ms", tps, mean}'
}
# Warm-up on both kinds of orders: the first measured run otherwise pays for the JIT compiling
# the node (its JVM CPU per order was 1.4-1.8 ms against 0.8-1.0 ms in the second run), which
# made whichever kind ran first look 10-15 % slower.
run 10 0 >/dev/null
run 10 1 >/dev/null
# MANY_FIRST=1 swaps the order of the single- and many-offer runs, to tell an effect of the
# offer from one of running first or second.
http_single() { measured "HTTP (wrk), single offer" run "$seconds" 0; }
http_many() { measured "HTTP (wrk), many offers " run "$seconds" 1; }
raw_single() { measured "raw JDBC, single offer  " raw false; }
raw_many() { measured "raw JDBC, many offers   " raw true; }
if [ "${MANY_FIRST:-0}" = 1 ]; then http_many; http_single; else http_single; http_many; fi
echo "raw 5 $connections false" >&"${SERVE[1]}"; read -r _ <&"${SERVE[0]}"
echo "raw 5 $connections true" >&"${SERVE[1]}"; read -r _ <&"${SERVE[0]}"
if [ "${MANY_FIRST:-0}" = 1 ]; then raw_many; raw_single; else raw_single; raw_many; fi
if command -v pgbench >/dev/null; then
  measured "pgbench, single offer   " pgb
else
  echo "pgbench not found (apt-get install postgresql-client): no ceiling measured"
fi
exec {SERVE[1]}>&-
wait
rm -f "$keys"
