import Foundation

/// The commands `slipway backups` runs in throwaway containers from the add-on's own image (so
/// the client tools match the server's version): a dump to standard output, a restore from
/// standard input, and a verification restore into a scratch server.
extension AddonSpec {
    /// Writes the whole dataset to standard output: `pg_dump -Fc`, or an RDB snapshot through
    /// replication (`redis-cli --rdb -`).
    public var backupCommand: [String] {
        switch kind {
        case .postgres:
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--dbname", connectionURL()]
        case .redis:
            // The container's redis-cli may print a closing marker after the RDB's own end; the
            // loaders stop at the RDB's end and checksum and ignore it.
            ["redis-cli", "-u", connectionURL(), "--no-auth-warning", "--rdb", "-"]
        }
    }

    /// Replaces the add-on's data with a backup read from standard input.
    ///
    /// Postgres: `pg_restore --clean --if-exists --single-transaction --exit-on-error` over the
    /// network: the objects in the backup are dropped and recreated in one transaction, so a
    /// restore that fails changes nothing (objects made after the backup are left as they are).
    ///
    /// Redis has no command that loads an RDB file into a running server: the add-on is stopped
    /// (`Engine.runAddonTool(stoppingAddon:)`), the file checked with `redis-check-rdb`, the old
    /// files moved aside, a private server loads the RDB and writes the append-only files from
    /// it; the old files are put back if any step fails.
    public var restoreCommand: [String] {
        switch kind {
        case .postgres:
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
             "--dbname", connectionURL()]
        case .redis:
            ["/bin/sh", "-c", Self.redisRestoreScript]
        }
    }

    /// Restores a backup from standard input into a scratch server inside the container and
    /// prints, on its last line, `tables=N rows=N listed=N` (Postgres: tables restored, their
    /// rows, tables the archive lists) or `keys=N` (Redis).
    public var verifyCommand: [String] {
        switch kind {
        case .postgres: ["/bin/sh", "-c", Self.postgresVerifyScript]
        case .redis: ["/bin/sh", "-c", Self.redisVerifyScript]
        }
    }

    /// Whether restoring needs the add-on stopped with its volume mounted.
    public var restoreStopsAddon: Bool { kind == .redis }

    static let postgresVerifyScript = #"""
    set -eu
    export PGDATA=/tmp/verify PGHOST=/tmp
    as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
    mkdir -p "$PGDATA" && chown postgres "$PGDATA"
    cat > /tmp/backup.dump
    chown postgres /tmp/backup.dump
    listed=$(as_postgres pg_restore --list /tmp/backup.dump | grep -E '^[0-9]+; [0-9]+ [0-9]+ TABLE ' | grep -vc ' TABLE DATA ' || true)
    as_postgres initdb -D "$PGDATA" -U postgres --auth=trust >/dev/null
    as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp -c fsync=off" -w -l /tmp/pg.log start >/dev/null
    as_postgres createdb -U postgres scratch
    as_postgres pg_restore --no-owner --no-privileges --exit-on-error -U postgres -d scratch /tmp/backup.dump
    counts=$(as_postgres psql -U postgres -d scratch -AtX -c "SELECT count(*) || ' ' || coalesce(sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint), 0) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')")
    echo "tables=${counts% *} rows=${counts#* } listed=$listed"
    """#

    static let redisVerifyScript = #"""
    set -eu
    mkdir -p /tmp/verify
    cat > /tmp/verify/dump.rdb
    redis-check-rdb /tmp/verify/dump.rdb >/dev/null || { echo "redis-check-rdb refuses the file: it is not a readable RDB snapshot" >&2; exit 65; }
    redis-server --dir /tmp/verify --dbfilename dump.rdb --appendonly no --save '' --port 6390 --bind 127.0.0.1 --daemonize yes --logfile /tmp/verify.log
    i=0
    until [ "$(redis-cli -p 6390 ping 2>/dev/null)" = PONG ]; do
        i=$((i + 1)); [ $i -gt 1200 ] && { echo "the scratch redis did not load the file:" >&2; tail -5 /tmp/verify.log >&2; exit 1; }
        sleep 0.1
    done
    echo "keys=$(redis-cli -p 6390 dbsize)"
    """#

    static let redisRestoreScript = #"""
    set -eu
    cd /data
    cat > .restore.rdb
    redis-check-rdb .restore.rdb >/dev/null || { rm -f .restore.rdb; echo "redis-check-rdb refuses the backup: nothing was changed" >&2; exit 65; }
    rm -rf .before-restore && mkdir .before-restore
    for f in appendonlydir dump.rdb; do if [ -e "$f" ]; then mv "$f" .before-restore/; fi; done
    undo() {
        rm -rf appendonlydir dump.rdb
        for f in .before-restore/* ; do if [ -e "$f" ]; then mv "$f" .; fi; done
        rm -rf .before-restore .restore.rdb
        chown -R redis:redis /data
        echo "the restore failed ($1): the data before it was put back" >&2
        exit 1
    }
    mv .restore.rdb dump.rdb
    chown -R redis:redis /data
    setpriv --reuid=redis --regid=redis --init-groups redis-server --dir /data --dbfilename dump.rdb --appendonly no --save '' \
        --port 6390 --bind 127.0.0.1 --daemonize yes --logfile /tmp/restore.log || undo "redis-server did not start"
    i=0
    until [ "$(redis-cli -p 6390 ping 2>/dev/null)" = PONG ]; do
        i=$((i + 1)); [ $i -gt 1200 ] && undo "the RDB file did not load"
        sleep 0.1
    done
    keys=$(redis-cli -p 6390 dbsize)
    redis-cli -p 6390 config set appendonly yes >/dev/null || undo "appendonly could not be switched on"
    i=0
    while :; do
        info=$(redis-cli -p 6390 info persistence | tr -d '\r')
        case "$info" in *aof_enabled:1*) case "$info" in *aof_rewrite_in_progress:0*aof_rewrite_scheduled:0*) break ;; esac ;; esac
        i=$((i + 1)); [ $i -gt 6000 ] && undo "the append-only file was not written"
        sleep 0.1
    done
    redis-cli -p 6390 shutdown nosave >/dev/null 2>&1 || true
    rm -rf .before-restore
    echo "restored $keys keys"
    """#
}

/// What a verification restore printed last: `tables=N rows=N listed=N` or `keys=N`.
public struct BackupCheckOutput: Sendable, Equatable {
    public var tables: Int?
    public var rows: Int64?
    public var listed: Int?
    public var keys: Int64?

    public init?(_ output: String) {
        guard let last = output.split(whereSeparator: \.isNewline).last(where: { $0.contains("=") }) else { return nil }
        var values: [String: Int64] = [:]
        for pair in last.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int64(parts[1]) else { return nil }
            values[String(parts[0])] = value
        }
        tables = values["tables"].map(Int.init)
        rows = values["rows"]
        listed = values["listed"].map(Int.init)
        keys = values["keys"]
        guard tables != nil || keys != nil else { return nil }
    }
}
