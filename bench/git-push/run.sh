#!/usr/bin/env bash
# git push to first 200 of the new release, against a deploy of the same commit by URL, in one run.
# Usage: bash bench/git-push/run.sh [ROUNDS]   (SLIPWAY_BIN: the binary, default .build/release/slipway)
set -euo pipefail
ROUNDS=${1:-5}
BIN=${SLIPWAY_BIN:-$(pwd)/.build/release/slipway}
WORK=$(mktemp -d /tmp/slipway-bench-push.XXXX)
API=$((20000 + RANDOM % 5000)); ROUTER=$((API + 1))
TOKEN=$(openssl rand -hex 32)
SLIPWAY_TOKEN=$TOKEN "$BIN" server --data "$WORK/data" --listen 127.0.0.1:$API --http 127.0.0.1:$ROUTER \
  --allow-source-dir "$WORK" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'SLIPWAY_TOKEN=$TOKEN "$BIN" destroy benchpush --server http://127.0.0.1:$API >/dev/null 2>&1 || true; SLIPWAY_TOKEN=$TOKEN "$BIN" destroy benchurl --server http://127.0.0.1:$API >/dev/null 2>&1 || true; kill $SERVER; rm -rf "$WORK"' EXIT
until curl -sf http://127.0.0.1:$API/healthz >/dev/null; do sleep 0.1; done
export SLIPWAY_TOKEN=$TOKEN
"$BIN" git set benchpush --branch main --server http://127.0.0.1:$API >/dev/null
REPO=$WORK/repo; mkdir -p $REPO/www
printf 'FROM busybox\nCOPY www /www\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' > $REPO/Dockerfile
printf 'services:\n  web:\n    port: 8080\n    replicas: 1\n' > $REPO/slipway.yaml
git -C $REPO init -q -b main
now() { date +%s.%N; }
wait200() { until [ "$(curl -s -H "Host: $1.localhost" http://127.0.0.1:$ROUTER/)" = "$2" ]; do sleep 0.02; done; }
push_total=0; url_total=0
for round in $(seq 1 $ROUNDS); do
  echo "round $round" > $REPO/www/index.html
  git -C $REPO add -A && git -C $REPO -c user.email=b@b -c user.name=b commit -qm "round $round"
  start=$(now); git -C $REPO push -q "http://x:$TOKEN@127.0.0.1:$API/git/benchpush.git" main 2>/dev/null; wait200 benchpush "round $round"; push=$(echo "$(now) - $start" | bc)
  start=$(now); "$BIN" deploy "file://$REPO" --app benchurl --ref "$(git -C $REPO rev-parse HEAD)" --server http://127.0.0.1:$API >/dev/null; wait200 benchurl "round $round"; url=$(echo "$(now) - $start" | bc)
  echo "round $round: push ${push}s, by URL ${url}s"
  push_total=$(echo "$push_total + $push" | bc); url_total=$(echo "$url_total + $url" | bc)
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "git push / deploy by URL (same commit, $ROUNDS rounds): $(echo "scale=3; $push_total / $url_total" | bc)"
