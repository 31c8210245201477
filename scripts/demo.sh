#!/usr/bin/env bash
# Quick start: prepares the machine, builds slipway, starts its server, deploys
# examples/hello and shows it answering through the router. Run as root on Debian 12:
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

API=127.0.0.1:7070
ROUTER=127.0.0.1:7080
DATA=/var/lib/slipway
LOG=/var/log/slipway.log
PIDFILE=/run/slipway-server.pid
SOCKET=/run/podman/podman.sock

die() { echo "demo: FAILED: $*" >&2; exit 1; }

# 1. Machine: packages, Podman service, busybox base image, swift on PATH.
source scripts/setup.sh || die "machine setup (see the lines above)"

# 2. Build (a first release build from scratch takes several minutes).
echo "demo: building slipway (release; the first build takes several minutes)"
swift build -c release --product slipway || die "swift build -c release --product slipway"
BIN="$(swift build -c release --show-bin-path)/slipway"
[[ -x "$BIN" ]] || die "no binary at $BIN after the build"

# 3. Server: reuse one that already answers, else start one in the background.
healthy() { curl -sf --max-time 2 "http://$API/healthz" >/dev/null 2>&1; }
if healthy; then
    echo "demo: server: already answering on http://$API (reusing it)"
    started=""
    if [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then started=$(cat "$PIDFILE"); fi
else
    mkdir -p "$DATA"
    setsid nohup "$BIN" server --listen "$API" --router "$ROUTER" --data "$DATA" \
        --engine-socket "$SOCKET" </dev/null >>"$LOG" 2>&1 &
    pid=$!
    echo "$pid" >"$PIDFILE"
    started=$pid
    deadline=$((SECONDS + 30))
    until healthy; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOG" >&2 || true
            die "slipway server exited at start (log: $LOG)"
        fi
        ((SECONDS < deadline)) || { tail -n 30 "$LOG" >&2 || true; die "server did not answer http://$API/healthz within 30 s (log: $LOG)"; }
        sleep 0.2
    done
    echo "demo: server: started (pid $pid, API http://$API, router http://$ROUTER, data $DATA, log $LOG)"
fi

# 4. Deploy: the CLI prints the stages as they run, then the URL. It finds the API token the
#    server made in $DATA/admin.token (mode 0600) by itself, as for any server on this machine.
[[ -r $DATA/admin.token ]] || echo "demo: note: no $DATA/admin.token (a server started elsewhere?); the CLI needs SLIPWAY_TOKEN then"
echo "demo: slipway deploy examples/hello --app hello"
"$BIN" deploy examples/hello --app hello || die "slipway deploy examples/hello --app hello (server log: $LOG)"

# 5. The app answers through the router.
echo "demo: curl -s -H 'Host: hello.localhost' http://$ROUTER/"
body=""
deadline=$((SECONDS + 15))
until body=$(curl -sf --max-time 2 -H 'Host: hello.localhost' "http://$ROUTER/") && [[ $body == *"Hello from Slipway"* ]]; do
    ((SECONDS < deadline)) || die "the router did not answer with the hello page within 15 s (got: ${body:-nothing}; log: $LOG)"
    sleep 0.2
done
printf '%s\n' "$body"

echo
echo "demo: done. hello is deployed and stays up:"
echo "  curl -H 'Host: hello.localhost' http://$ROUTER/          # the app, through the router"
echo "  $BIN deploy examples/hello --app hello     # deploy again (a new release)"
echo "  $BIN apps                                  # the CLI finds the token in $DATA/admin.token"
echo "  curl -H \"Authorization: Bearer \$(cat $DATA/admin.token)\" -X DELETE http://$API/v1/apps/hello   # the API, with the token"
if [[ -n $started ]]; then
    echo "To stop the server: kill \$(cat $PIDFILE)   (pid $started; log $LOG)"
    echo "The router is its own process and keeps serving without the server; to stop it too: kill \$(cat $DATA/router/router.pid)"
else
    echo "To stop the server: stop the 'slipway server' process that was already running on $API"
fi
