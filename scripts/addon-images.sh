#!/usr/bin/env bash
# Builds the add-on images Slipway's tests and the Quick start use where no registry is reachable:
#   localhost/slipway-addon-postgres:15   Debian's postgresql-15 (psql included)
#   localhost/slipway-addon-redis:7       Debian's redis-server 7 (redis-cli included)
# from Debian's packages (mmdebstrap, then podman import). Each image takes the same
# environment and arguments as the official `postgres`/`redis` image it stands in for
# (POSTGRES_PASSWORD/POSTGRES_USER/POSTGRES_DB and /var/lib/postgresql/data; `redis-server ARGS`
# in /data), so the server runs either the same way (`slipway server --addon-image`).
# Only a missing image (or one made by an older recipe) is built: on a machine that has
# both it returns at once. Called by scripts/setup.sh; one line per image.
set -euo pipefail
shopt -s extglob

# Bump when a recipe below changes: an image without this label value is made again.
recipe=addon-image-1
label=org.slipway.setup.addon-recipe

present() { # present IMAGE: the image exists and was made by this recipe or a newer one (another checkout's)
    podman image exists "$1" >/dev/null 2>&1 || return 1
    local made
    made=$(podman image inspect --format "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null)
    [[ $made == addon-image-+([0-9]) ]] && ((${made#addon-image-} >= ${recipe#addon-image-}))
}

postgres_entrypoint='#!/bin/sh
# Stand-in for the official postgres image entrypoint: same variables, same data directory.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ "${1:-}" != postgres ]; then exec "$@"; fi
shift
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "error: POSTGRES_PASSWORD is not set; the database would have no password" >&2
        exit 1
    fi
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf "%s\n" "$POSTGRES_PASSWORD" >"$pwfile"
    chown postgres "$pwfile"
    as_postgres initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" \
        --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '"'"'*'"'"'" >>"$PGDATA/postgresql.conf"
    if [ "$db" != postgres ]; then
        echo "CREATE DATABASE \"$db\" OWNER \"$user\"" |
            as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "database initialized in $PGDATA"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
'

redis_entrypoint='#!/bin/sh
# Stand-in for the official redis image entrypoint: redis-server runs as redis in /data.
set -eu
if [ "${1:-}" != redis-server ]; then exec "$@"; fi
mkdir -p /data
chown redis:redis /data
exec setpriv --reuid=redis --regid=redis --init-groups "$@"
'

build() { # build IMAGE PACKAGE ENTRYPOINT CMD_JSON ENV...
    local image=$1 package=$2 entrypoint=$3 cmd=$4
    shift 4
    if present "$image"; then
        echo "setup: image $image: present"
        return
    fi
    local started=$SECONDS log
    log=$(mktemp /tmp/slipway-addon-image.XXXXXX)
    local changes=(--change "ENTRYPOINT [\"/usr/local/bin/docker-entrypoint.sh\"]"
        --change "CMD $cmd" --change "LABEL $label=$recipe")
    local e
    for e in "$@"; do changes+=(--change "$e"); done
    # The hook writes the entrypoint script from the environment (no quoting through mmdebstrap's arguments).
    if ! ENTRYPOINT_SCRIPT=$entrypoint mmdebstrap --variant=minbase --include="$package" \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --customize-hook='rm -rf "$1"/var/lib/postgresql/15 "$1"/etc/postgresql/15 "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
        --customize-hook="printf '%s' \"\$ENTRYPOINT_SCRIPT\" >\"\$1/usr/local/bin/docker-entrypoint.sh\"; chmod 755 \"\$1/usr/local/bin/docker-entrypoint.sh\"" \
        bookworm - >"$log.tar" 2>"$log" </dev/null; then
        echo "setup: FAILED: mmdebstrap for $image (log: $log)" >&2
        tail -n 30 "$log" >&2
        rm -f "$log.tar"
        exit 1
    fi
    if ! podman import "${changes[@]}" "$log.tar" "$image" >>"$log" 2>&1; then
        echo "setup: FAILED: podman import of $image (log: $log)" >&2
        tail -n 30 "$log" >&2
        rm -f "$log.tar"
        exit 1
    fi
    rm -f "$log.tar" "$log"
    echo "setup: image $image: made from Debian's $package in $((SECONDS - started)) s"
}

if ! command -v mmdebstrap >/dev/null 2>&1; then
    echo "setup: FAILED: mmdebstrap is missing (apt-get install mmdebstrap)" >&2
    exit 1
fi

build localhost/slipway-addon-postgres:15 postgresql-15 "$postgres_entrypoint" '["postgres"]' \
    'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'ENV PGDATA=/var/lib/postgresql/data' 'ENV LANG=C.UTF-8' 'EXPOSE 5432' \
    'VOLUME /var/lib/postgresql/data' 'STOPSIGNAL SIGINT'
build localhost/slipway-addon-redis:7 redis-server "$redis_entrypoint" '["redis-server"]' \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'WORKDIR /data' 'EXPOSE 6379' 'VOLUME /data'
