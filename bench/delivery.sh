#!/usr/bin/env bash
# Webhook and live-event delivery latency, measured from outside the node: starts Numpool in its
# own process on a fresh temporary data directory, runs dev.numpool.bench.DeliveryBench (another
# JVM) against it, then stops the node and removes the directory.
# Usage (after a build; ./numpool bench delivery builds first):
#   bench/delivery.sh [--rates 50,200,500,1000] [--seconds S] [--accounts 1,100] [--drain-seconds 10]
#                     [--activations-per-account 3000] [--skip-idle] [--kill-node-after-seconds N]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (./numpool bench delivery does)}"
[ -f web/target/numpool.jar ] && [ -f bench/target/classpath.txt ] || { echo "build first: ./numpool bench delivery" >&2; exit 1; }
unsafe_flag=""
# JDK 23+ warns about sun.misc.Unsafe in some libraries; this flag (unknown before 23) silences it.
if "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -version >/dev/null 2>&1; then
  unsafe_flag="--sun-misc-unsafe-memory-access=allow"
fi

dir=$(mktemp -d -t numpool-delivery.XXXXXX)
node=""
stop() {
  if [ -n "$node" ] && kill -0 "$node" 2>/dev/null; then
    kill "$node" # its shutdown hook stops the embedded PostgreSQL and Redis
    for _ in $(seq 60); do kill -0 "$node" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$node" 2>/dev/null; then
      echo "Numpool (pid $node) did not stop within 30 s; killing it (its PostgreSQL may outlive it)" >&2
      kill -9 "$node"
    fi
  fi
  rm -rf "$dir"
}
trap stop EXIT

# Lists (the allowed hosts) do not fit in an environment variable, so the node gets a file.
operator_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$dir/numpool.yaml" <<YAML
numpool:
  sandbox: true
  operator-token: "$operator_token"  # the bench credits its one-account scenarios through it
sandbox:
  upstreams-enabled: false  # the simulator only: its SMS are the ones the benchmark injects
orders:
  max-live-activations: 40000  # one SMS per activation, even for one account at 1,000 SMS/s
api:
  rate-limits:
    enabled: false          # every client here is 127.0.0.1
webhooks:
  allow-http: true          # the receiver is plain http on 127.0.0.1
  allowed-hosts: ["127.0.0.1"]
inventory:
  simulator:
    code-probability: 0     # no SMS but the benchmark's own
    stock: 100000000        # the simulator's offers never run dry
    latency-millis: 0       # buying is setup here, not what is measured
YAML

# Embedded PostgreSQL and Redis (no DATABASE_URL or REDIS_URL); port 0 (any) at first.
start_node() {
  env -u DATABASE_URL -u REDIS_URL PORT="$1" HOST=127.0.0.1 NUMPOOL_SANDBOX=true \
    NUMPOOL_DATA_DIR="$dir/data" NUMPOOL_CONFIG="$dir/numpool.yaml" \
    "$JAVA_HOME/bin/java" -Xmx512m -XX:+UseSerialGC $unsafe_flag \
    -Djava.util.logging.config.file=web/src/main/resources/logging.properties -jar web/target/numpool.jar \
    >"$dir/numpool.log" 2>&1 &
  node=$!
  url=""
  for _ in $(seq 240); do
    url=$(sed -n 's/^Numpool ready at \(http[^ ]*\).*/\1/p' "$dir/numpool.log" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$node" 2>/dev/null || break
    sleep 0.5
  done
  if [ -z "$url" ]; then
    echo "Numpool did not start; its log:" >&2
    tail -n 40 "$dir/numpool.log" >&2
    exit 1
  fi
  echo "Numpool (pid $node) ready at $url; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

# --kill-node-after-seconds N: kill -9 the node N seconds into the first measured scenario's
# sending (as the OOM killer would)
# and start it again on the same data and port; give the run a drain longer than a webhook
# claim (2 min), so what the dead node had claimed is sent again and counted.
kill_after=""
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--kill-node-after-seconds" ]; then kill_after="$2"; shift 2; else args+=("$1"); shift; fi
done

start_node 0
port="${url##*:}"

status=0
"$JAVA_HOME/bin/java" -Xmx1g $unsafe_flag -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.numpool.bench.DeliveryBench --url "$url" --operator-token "$operator_token" --pid "$node" --data-dir "$dir/data" \
  --clock-ticks "$(getconf CLK_TCK)" ${args[@]+"${args[@]}"} 2> >(tee "$dir/bench.err" >&2) &
bench=$!
if [ -n "$kill_after" ]; then
  # N seconds into the first measured scenario's sending (not the warm-up's).
  until grep -v warm-up "$dir/bench.err" 2>/dev/null | grep -q ": injecting"; do
    kill -0 "$bench" 2>/dev/null || break
    sleep 0.2
  done
  sleep "$kill_after"
  echo "kill -9 of Numpool (pid $node) at $(date +%T)" >&2
  kill -9 "$node"
  wait "$node" 2>/dev/null || true
  start_node "$port"
  echo "Numpool back at $(date +%T)" >&2
fi
wait "$bench" || status=$?
if [ "$status" -ne 0 ]; then
  echo "the benchmark failed; the node's last log lines:" >&2
  tail -n 20 "$dir/numpool.log" >&2
fi
exit "$status"
