#!/usr/bin/env bash
# Prepares a Debian 12 machine (as root) to build, test and run Slipway:
#   1. Debian packages (Podman, runc, catatonit, busybox-static, SQLite headers, openssh-server
#      for the tests' own sshd (never started as a service), pebble, bind9 and
#      dnsutils (a real authoritative DNS server for the DNS-01 tests, and dig), the CNCF
#      registry and htpasswd for the OCI registry tests, tools)
#   2. /etc/containers/containers.conf that makes Podman work here
#   3. the Podman service with the Docker-compatible API on /run/podman/podman.sock
#   4. the offline base image docker.io/library/busybox:latest (so `FROM busybox` works)
#   4b. the add-on images localhost/slipway-addon-postgres:15 and ...-redis:7, built from Debian's
#      packages (scripts/addon-images.sh; about 2.5 minutes the first time, nothing after)
#   5. Python test tools in /opt/slipway-py (kubernetes-validate, kmock, selenium, schemathesis)
#   6. `swift` on PATH
# Idempotent and quiet: one line per step; details only when a step fails.
# Run it (`bash scripts/setup.sh`) or source it (`source scripts/setup.sh`): sourcing also
# leaves /opt/swift/usr/bin on the caller's PATH when swift was not on it. It exports nothing else.

_slipway_setup_engine() (
    local socket=/run/podman/podman.sock
    local podman_log=/var/log/slipway-podman.log
    local image=docker.io/library/busybox:latest
    # Bump when the image recipe changes: an image without this label is made again. Not
    # io.slipway.*: a build whose image carries Slipway's own labels is refused.
    local image_label=org.slipway.setup.base-image=busybox-3
    local applets="sh httpd echo cat sleep wget ls mkdir rm env nc true false kill ps seq"
    local packages="podman runc catatonit busybox-static iptables libsqlite3-dev git curl tar wrk ca-certificates jq docker-registry apache2-utils openssl chromium chromium-driver pebble bind9 dnsutils mmdebstrap aardvark-dns openssh-client systemd"
    out=$(mktemp /tmp/slipway-setup.XXXXXX)
    trap 'rm -f "$out"' EXIT

    fail() { # fail MESSAGE: prints the message and the captured output of the step
        echo "setup: FAILED: $1" >&2
        if [[ -s "$out" ]]; then
            echo "---- output (last 40 lines) ----" >&2
            tail -n 40 "$out" >&2
            echo "--------------------------------" >&2
        fi
        exit 1
    }

    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: FAILED: run as root (it installs packages and starts the Podman service)" >&2
        exit 1
    fi

    # 1. Packages
    local missing=() p
    for p in $packages; do
        if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "setup: packages: all present"
    else
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >"$out" 2>&1 || fail "apt-get update"
        apt-get install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}" </dev/null >>"$out" 2>&1 \
            || fail "apt-get install ${missing[*]}"
        echo "setup: packages: installed ${missing[*]}"
    fi
    # openssh-server: the tests start their own sshd on a test port (a deploy key's clone); never
    # the system's. Installed with service starts refused (policy-rc.d), so no sshd listens on 22.
    if [[ $(dpkg-query -W -f='${Status}' openssh-server 2>/dev/null) != "install ok installed" ]]; then
        local policy=/usr/sbin/policy-rc.d made_policy=0
        if [[ ! -e $policy ]]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
        fi
        export DEBIAN_FRONTEND=noninteractive
        { apt-get install -y -qq -o Dpkg::Use-Pty=0 openssh-server </dev/null >>"$out" 2>&1 \
            || { apt-get update -qq >>"$out" 2>&1 && apt-get install -y -qq -o Dpkg::Use-Pty=0 openssh-server </dev/null >>"$out" 2>&1; }; } \
            || { ((made_policy)) && rm -f "$policy"; fail "apt-get install openssh-server"; }
        ((made_policy)) && rm -f "$policy"
        echo "setup: packages: installed openssh-server"
    fi

    # 2. containers.conf (Podman's defaults fail here: crun on a cgroup v2 hybrid, and
    #    default rlimits above the hard limit)
    local conf=/etc/containers/containers.conf wanted
    wanted='[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"'
    if [[ -f $conf && "$(cat "$conf")" == "$wanted" ]]; then
        echo "setup: $conf: already as needed"
    else
        local note=""
        mkdir -p /etc/containers
        if [[ -f $conf ]]; then
            cp "$conf" "$conf.slipway-backup"
            note=" (previous one kept as $conf.slipway-backup)"
        fi
        printf '%s\n' "$wanted" >"$conf"
        echo "setup: $conf: written$note"
    fi

    # 3. Podman service with the Docker Engine API
    answers() { curl -sf --max-time 2 --unix-socket "$socket" http://d/v1.41/version >/dev/null 2>&1; }
    if answers; then
        echo "setup: podman service: already answering on $socket"
    else
        mkdir -p "$(dirname "$socket")"
        setsid nohup podman system service --time=0 "unix://$socket" \
            </dev/null >>"$podman_log" 2>&1 &
        local pid=$! deadline=$((SECONDS + 20))
        until answers; do
            if ! kill -0 "$pid" 2>/dev/null; then
                tail -n 40 "$podman_log" >"$out" 2>/dev/null || true
                fail "podman system service exited at start (log: $podman_log)"
            fi
            if ((SECONDS >= deadline)); then
                tail -n 40 "$podman_log" >"$out" 2>/dev/null || true
                fail "podman service did not answer on $socket within 20 s (pid $pid, log: $podman_log)"
            fi
            sleep 0.2
        done
        echo "setup: podman service: started (pid $pid, socket $socket, log $podman_log)"
    fi

    # 3b. Port-forwarding rules Podman left behind for containers that no longer exist (netavark
    #     skips its teardown when a container's cleanup is cut short). Such a rule still redirects
    #     its host port, so a replica (or server) later given that port is unreachable.
    local rule id stale=0
    while IFS= read -r rule; do
        id=$(sed -n 's/.* id: \([0-9a-f]\{64\}\).*/\1/p' <<<"$rule")
        [[ -n $id ]] && ! podman container exists "$id" 2>/dev/null || continue
        eval "iptables -t nat ${rule/#-A /-D }" && stale=$((stale + 1))
    done < <(iptables -t nat -S NETAVARK-HOSTPORT-DNAT 2>/dev/null || true)
    ((stale == 0)) || echo "setup: podman: removed $stale port-forwarding rules of containers that are gone"

    # 4. Offline base image: busybox-static's binary imported as docker.io/library/busybox
    if podman image exists "$image" >/dev/null 2>&1 &&
        [[ $(podman image inspect --format "{{index .Config.Labels \"${image_label%%=*}\"}}" "$image" 2>/dev/null) == "${image_label#*=}" ]]; then
        echo "setup: image $image: present"
    else
        local root
        root=$(mktemp -d /tmp/slipway-busybox.XXXXXX)
        mkdir -p "$root/bin" "$root/tmp"
        chmod 1777 "$root/tmp"
        cp /bin/busybox "$root/bin/busybox"
        local a
        for a in $applets; do ln -s busybox "$root/bin/$a"; done
        if ! tar -C "$root" -c . | podman import \
            --change 'CMD ["/bin/sh"]' \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change "LABEL $image_label" \
            - "$image" >"$out" 2>&1; then
            rm -rf "$root"
            fail "podman import of $image"
        fi
        rm -rf "$root"
        echo "setup: image $image: made from busybox-static ($applets)"
    fi

    # 4b. Add-on images (Postgres, Redis) from Debian's packages: no registry is reachable here.
    bash "$(dirname "${BASH_SOURCE[0]}")/addon-images.sh" || fail "add-on images (scripts/addon-images.sh)"

    # 5. Python test tools (a venv: Debian's Python refuses global pip installs):
    #    kubernetes-validate (official schemas), kmock (an API-server stand-in; none can run here) and
    #    prometheus-client (its parser checks that /metrics is valid Prometheus text), websockets
    #    (a real WebSocket app and client for the router's upgrade tests), h2 and wsproto (an HTTP/2
    #    client opening WebSockets with RFC 8441's extended CONNECT), selenium (drives headless
    #    Chromium in the browser attack tests), schemathesis (fuzzes the API from openapi.yaml) and
    #    moto's server mode (moto_server: the S3 stand-in of the backup store tests).
    local venv=/opt/slipway-py python_tools="kmock==0.8.* kubernetes-validate prometheus-client websockets h2 wsproto selenium schemathesis"
    if [[ -x $venv/bin/kubernetes-validate && -x $venv/bin/schemathesis && -x $venv/bin/moto_server ]] \
        && "$venv/bin/python" -c "import kmock, prometheus_client, websockets, h2, wsproto, selenium" >/dev/null 2>&1; then
        echo "setup: python tools: present in $venv"
    else
        python3 -m venv "$venv" >"$out" 2>&1 || fail "python3 -m venv $venv"
        # shellcheck disable=SC2086
        "$venv/bin/pip" install -q $python_tools 'moto[server]' >>"$out" 2>&1 || fail "pip install $python_tools moto[server]"
        echo "setup: python tools: installed $python_tools moto[server] in $venv"
    fi
)

_slipway_setup_swift() {
    if command -v swift >/dev/null 2>&1; then
        echo "setup: swift: $(command -v swift)"
    elif [[ -x /opt/swift/usr/bin/swift ]]; then
        PATH="/opt/swift/usr/bin:$PATH"
        export PATH
        echo "setup: swift: /opt/swift/usr/bin/swift (added /opt/swift/usr/bin to PATH)"
    else
        echo "setup: FAILED: swift not found on PATH nor at /opt/swift/usr/bin; install Swift 6.x first" >&2
        return 1
    fi
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: the engine steps run in a child bash (so `set -e` holds there whatever the
    # caller's options), the PATH step here; never exits the caller's shell, only returns.
    if bash "${BASH_SOURCE[0]}" --engine-only && _slipway_setup_swift; then
        unset -f _slipway_setup_engine _slipway_setup_swift
        return 0
    fi
    unset -f _slipway_setup_engine _slipway_setup_swift
    return 1
fi

set -euo pipefail
_slipway_setup_engine
[[ "${1:-}" == "--engine-only" ]] || _slipway_setup_swift
