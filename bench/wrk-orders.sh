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
url=""
while read -r line <&"${SERVE[0]}"; do case "$line" in URL*) url=${line#URL }; break;; esac; done
echo "node at $url, $connections connections, $seconds s per run, $(nproc) cores"
run() { KEYS_FILE=$keys MANY_OFFERS=$2 wrk -t2 -c"$connections" -d"$1"s -s bench/orders.lua "$url/v1/activations" | grep RESULT | sed 's/RESULT //'; }
run 5 0 >/dev/null
echo "HTTP (wrk), single offer: $(run "$seconds" 0)"
echo "HTTP (wrk), many offers:  $(run "$seconds" 1)"
echo "raw 5 $connections false" >&"${SERVE[1]}"; read -r _ <&"${SERVE[0]}"
echo "raw $seconds $connections false" >&"${SERVE[1]}"; read -r single <&"${SERVE[0]}"
echo "raw $seconds $connections true" >&"${SERVE[1]}"; read -r many <&"${SERVE[0]}"
echo "$single"
echo "$many"
exec {SERVE[1]}>&-
wait
rm -f "$keys"
