#!/usr/bin/env bash
# Another account's latency while one key floods a door, measured from outside the node with wrk
# (a C load generator: it takes far less of the cores than the node does). The node is
# `./numpool run` on a fresh data directory with the limits as shipped; the flooder and the
# well-behaved client come from different addresses (127.0.0.1 is a trusted proxy here, and
# each sets X-Forwarded-For), as they would in the world.
# Usage: bench/abuse.sh [runs] [seconds] [flood-connections]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-10}
connections=${3:-32}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
# The simulator only (no simulated upstreams): the numbers measured before they existed stay comparable.
printf 'api:\n  rate-limits:\n    trusted-proxies: ["127.0.0.1"]\nsandbox:\n  upstreams-enabled: false\n' > "$data/abuse.yaml"
NUMPOOL_DATA_DIR="$data/node" PORT=$port NUMPOOL_CONFIG="$data/abuse.yaml" ./numpool run > "$data/node.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 180); do
  curl -fs "$base/observe/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "$base/observe/health" >/dev/null || { echo "the node did not start; see $data/node.log" >&2; tail -20 "$data/node.log" >&2; exit 1; }
account() { curl -fs -X POST -H "X-Forwarded-For: 192.0.2.$1" "$base/v1/sandbox/accounts" | sed 's/.*"key":"\([^"]*\)".*/\1/'; }
victim=$(account 1)
flooder=$(account 2)
# A website session for the CSV-export flood: the sign-up form's token, then its session cookie.
form=$(curl -fs -D "$data/h1" -H "X-Forwarded-For: 192.0.2.3" "$base/sign-up")
csrf_cookie=$(grep -i '^set-cookie: __Host-numpool_csrf=' "$data/h1" | sed 's/^[^=]*=\([^;]*\).*/\1/' | tr -d '\r')
token=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -s -o /dev/null -D "$data/h2" -H "Cookie: __Host-numpool_csrf=$csrf_cookie" -H "X-Forwarded-For: 192.0.2.3" \
  --data-urlencode "email=flood-$RANDOM@example.com" --data-urlencode "password=a long enough password" --data-urlencode "csrf=$token" "$base/sign-up"
session="__Host-numpool_session=$(grep -i '^set-cookie: __Host-numpool_session=' "$data/h2" | sed 's/^[^=]*=\([^;]*\).*/\1/' | tr -d '\r')"
echo "node at $base, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), flood of $connections connections, $seconds s, $runs runs"
measure() { KEY=$victim ADDRESS=198.51.100.1 wrk -t1 -c1 -d"${seconds}"s -s bench/victim.lua "$base/v1/balance" | grep RESULT | sed 's/RESULT //'; }
flood() {
  local cookie=""
  case "$1" in *.csv) cookie=$session;; esac
  KEY=$flooder COOKIE=$cookie ADDRESS=203.0.113.9 wrk -t1 -c"$connections" -d"$((seconds + 2))"s -s bench/flood.lua "$base$1" | grep RESULT | sed 's/RESULT //'
}
measure >/dev/null # warm-up
doors=("/v1/balance" "/stubs/handler_api.php?action=getBalance&api_key=$flooder" "/v1/user/profile" "/balance/transactions.csv")
for door in "${doors[@]}"; do
  flood "$door" >/dev/null # warm-up of this door's path
done
for run in $(seq 1 "$runs"); do
  echo "run $run: idle: $(measure)"
  for door in "${doors[@]}"; do
    flood "$door" > "$data/flood.txt" &
    flooder_pid=$!
    sleep 1 # the flood is under way before the measure starts
    during=$(measure)
    wait $flooder_pid
    echo "run $run: ${door%%\?*} flood ($(cat "$data/flood.txt")): $during"
  done
done
