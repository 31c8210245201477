#!/usr/bin/env bash
# Backup, verification and restore of a ~200 MB Postgres add-on through Slipway, against pg_dump and
# pg_restore run by hand in the same run (in a one-off container of an app built from the add-on's
# image, timed inside it: the tools alone), printed as ratios.
# Rounds alternate (by hand, then through Slipway) and the medians are compared, so a load that
# changes during the run weighs on both sides.
# Usage: bash bench/backup/run.sh [ROUNDS] [ROWS]   (SLIPWAY_BIN: the binary, default .build/release/slipway;
# needs localhost/slipway-addon-postgres:15 from scripts/addon-images.sh). ROUNDS default 3;
# ROWS default 1,200,000 (a 207 MB database, a 95 MB dump).
set -euo pipefail
ROUNDS=${1:-3}
ROWS=${2:-1200000}
BIN=${SLIPWAY_BIN:-$(pwd)/.build/release/slipway}
WORK=$(mktemp -d /tmp/slipway-bench-backup.XXXX)
API=$((20000 + RANDOM % 5000)); ROUTER=$((API + 1))
TOKEN=$(openssl rand -hex 32)
APP=benchbk$((RANDOM % 1000))
SLIPWAY_TOKEN=$TOKEN "$BIN" server --data "$WORK/data" --listen 127.0.0.1:$API --http 127.0.0.1:$ROUTER \
  --allow-source-dir "$WORK" --addon-image postgres=localhost/slipway-addon-postgres:15 > "$WORK/server.log" 2>&1 &
SERVER=$!
export SLIPWAY_TOKEN=$TOKEN SLIPWAY_SERVER=http://127.0.0.1:$API
trap '"$BIN" destroy $APP --volumes >/dev/null 2>&1 || true; kill $SERVER; rm -rf "$WORK"' EXIT
until curl -sf http://127.0.0.1:$API/healthz >/dev/null; do sleep 0.1; done

# An app from the add-on's image (it has pg_dump and pg_restore), serving with busybox httpd.
REPO=$WORK/repo; mkdir -p $REPO/www
printf 'FROM localhost/slipway-addon-postgres:15\nCOPY --from=docker.io/library/busybox:latest /bin/busybox /bin/busybox\nCOPY www /www\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]\n' > $REPO/Dockerfile
printf 'services:\n  web:\n    port: 8080\n' > $REPO/slipway.yaml
echo up > $REPO/www/index.html
"$BIN" deploy "$REPO" --app $APP >/dev/null
"$BIN" addons create $APP postgres --name db >/dev/null
echo "loading $ROWS rows..."
echo "CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 31)::text) AS payload, now() AS at FROM generate_series(1, $ROWS) g; CREATE TABLE small (n int); INSERT INTO small VALUES (1), (2); SELECT pg_size_pretty(pg_database_size(current_database()));" \
  | "$BIN" addons connect $APP db | grep -E "[0-9] (kB|MB|GB)" | sed "s/^ */database size: /"

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: > "$WORK/hand_dump"; : > "$WORK/hand_restore"; : > "$WORK/dump"; : > "$WORK/create"; : > "$WORK/restore"
for round in $(seq 1 "$ROUNDS"); do
  # By hand: the tools alone, timed inside the container (a file in the container's /tmp).
  hand=$("$BIN" run $APP -- sh -c 't0=$(date +%s.%N); pg_dump --format=custom --no-owner --no-privileges "$DATABASE_URL" > /tmp/d; t1=$(date +%s.%N); pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error -d "$DATABASE_URL" /tmp/d; t2=$(date +%s.%N); echo "$t0 $t1 $t2 $(wc -c < /tmp/d)"' | tail -1)
  read -r h0 h1 h2 hsize <<< "$hand"
  echo "$h1 - $h0" | bc >> "$WORK/hand_dump"; echo "$h2 - $h1" | bc >> "$WORK/hand_restore"

  start=$(now)
  "$BIN" backups create $APP db --json > "$WORK/backup.json"
  echo "$(now) - $start" | bc >> "$WORK/create"
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/backup.json")
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["durationSeconds"])' "$WORK/backup.json" >> "$WORK/dump"
  size=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sizeBytes"])' "$WORK/backup.json")
  verified=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["verification"]; print(v["status"], "-", v["message"])' "$WORK/backup.json")
  start=$(now)
  "$BIN" backups restore $APP db "$id" --confirm $APP/db >/dev/null
  echo "$(now) - $start" | bc >> "$WORK/restore"
  echo "round $round: pg_dump $(tail -1 "$WORK/hand_dump")s, backup $(tail -1 "$WORK/dump")s, create+verify $(tail -1 "$WORK/create")s; pg_restore $(tail -1 "$WORK/hand_restore")s, restore $(tail -1 "$WORK/restore")s"
done
hand_dump=$(median < "$WORK/hand_dump"); hand_restore=$(median < "$WORK/hand_restore")
dump=$(median < "$WORK/dump"); total=$(median < "$WORK/create"); restore=$(median < "$WORK/restore")

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "backup: $size bytes (pg_dump by hand: $hsize bytes), $verified"
echo "medians of $ROUNDS rounds:"
echo "pg_dump by hand ${hand_dump}s; slipway backup (dump streamed to the store) ${dump}s; ratio $(echo "scale=3; $dump / $hand_dump" | bc)"
echo "backups create (dump + store + verification restore) ${total}s; ratio to pg_dump by hand $(echo "scale=3; $total / $hand_dump" | bc)"
echo "pg_restore by hand ${hand_restore}s; backups restore ${restore}s; ratio $(echo "scale=3; $restore / $hand_restore" | bc)"
