import Foundation

/// A throwaway container `slipway backups` runs from the add-on's own image (so the client tools
/// match the server's version): a dump to standard output, a restore from standard input, or a
/// verification restore into a scratch server.
public struct AddonTool: Sendable, Equatable {
    public enum Purpose: String, Sendable {
        case backup, restore, verify
    }

    public var purpose: Purpose
    /// The program messages name ("pg_dump exited with code 1").
    public var program: String
    public var command: [String]
    /// The add-on's password for a tool that connects to it, written into the container before it
    /// starts (mode 0600): the command reads it from there (`PGPASSFILE`, `REDISCLI_AUTH` set by
    /// its shell), so the password is in no container configuration (`inspect` shows Cmd and Env
    /// to anyone who can list containers) and on no command line (`ps` on the host).
    public var secretFile: AddonSecretFile?
    /// Whether the add-on is stopped meanwhile, its data volume mounted at its data path.
    public var stopsAddon: Bool

    public init(purpose: Purpose, program: String, command: [String], secretFile: AddonSecretFile?, stopsAddon: Bool) {
        (self.purpose, self.program, self.command, self.secretFile, self.stopsAddon) = (purpose, program, command, secretFile, stopsAddon)
    }
}

extension AddonSpec {
    /// The tools' password file: a pgpass line for any host (`PGPASSFILE`), or Redis' password
    /// alone. Root, who runs the tools, reads it.
    public var toolSecretFile: AddonSecretFile {
        switch kind {
        case .postgres:
            let escaped = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
            return AddonSecretFile(path: Self.secretDirectory + "/pgpass", contents: "*:*:*:\(Self.user):\(escaped)\n", owner: nil)
        case .redis:
            return AddonSecretFile(path: Self.secretDirectory + "/redis-auth", contents: password, owner: nil)
        }
    }

    /// Connection settings for libpq in the tools' shell: the password from `toolSecretFile`.
    private var postgresConnection: String {
        "export PGPASSFILE=\(toolSecretFile.path) PGHOST=\(host) PGPORT=\(kind.port) PGUSER=\(Self.user) PGDATABASE=\(Self.user)"
    }

    /// Writes the whole dataset to standard output and, on standard error, the source's counts
    /// (`BackupSourceOutput.marker`) for the verification to compare with.
    ///
    /// Postgres: `pg_dump -Fc` from a snapshot a psql session exports and keeps open; the rows of
    /// every table are counted in that same snapshot, so the counts are exactly what the dump holds.
    /// Redis: an RDB snapshot through replication (`redis-cli --rdb -`); the keys of every database
    /// are counted right before and right after it (a busy server may change in between).
    public var backupTool: AddonTool {
        switch kind {
        case .postgres:
            AddonTool(purpose: .backup, program: "pg_dump", command: ["/bin/sh", "-c", postgresConnection + "\n" + Self.postgresBackupScript],
                      secretFile: toolSecretFile, stopsAddon: false)
        case .redis:
            // The container's redis-cli may print a closing marker after the RDB's own end; the
            // loaders stop at the RDB's end and checksum and ignore it.
            AddonTool(purpose: .backup, program: "redis-cli", command: ["/bin/sh", "-c", """
                set -eu
                REDISCLI_AUTH="$(cat \(toolSecretFile.path))"; export REDISCLI_AUTH
                keys() { redis-cli -h \(host) -p \(kind.port) --no-auth-warning info keyspace | \(Self.sumKeys); }
                before=$(keys)
                redis-cli -h \(host) -p \(kind.port) --no-auth-warning --rdb -
                echo "\(BackupSourceOutput.marker) keys=$before keys-after=$(keys)" >&2
                """], secretFile: toolSecretFile, stopsAddon: false)
        }
    }

    /// Replaces the add-on's data with a backup read from standard input.
    ///
    /// Postgres: `pg_restore --clean --if-exists --single-transaction --exit-on-error` over the
    /// network: the objects in the backup are dropped and recreated in one transaction, so a
    /// restore that fails changes nothing (objects made after the backup are left as they are).
    ///
    /// Redis has no command that loads an RDB file into a running server: the add-on is stopped
    /// (`AddonTool.stopsAddon`), the file checked with `redis-check-rdb`, the old files moved
    /// aside, a private server (no password, loopback only) loads the RDB and writes the
    /// append-only files from it; the old files are put back if any step fails.
    public var restoreTool: AddonTool {
        switch kind {
        case .postgres:
            AddonTool(purpose: .restore, program: "pg_restore", command: ["/bin/sh", "-c", postgresConnection + "\n"
                        + "exec pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error --dbname=\(Self.user)"],
                      secretFile: toolSecretFile, stopsAddon: false)
        case .redis:
            AddonTool(purpose: .restore, program: "redis-server", command: ["/bin/sh", "-c", Self.redisRestoreScript], secretFile: nil, stopsAddon: true)
        }
    }

    /// Restores a backup from standard input into a scratch server inside the container and
    /// prints what it holds (`BackupCheckOutput`). It needs no password: nothing of the add-on is reached.
    public var verifyTool: AddonTool {
        switch kind {
        case .postgres:
            AddonTool(purpose: .verify, program: "pg_restore", command: ["/bin/sh", "-c", Self.postgresVerifyScript], secretFile: nil, stopsAddon: false)
        case .redis:
            AddonTool(purpose: .verify, program: "redis-server", command: ["/bin/sh", "-c", Self.redisVerifyScript], secretFile: nil, stopsAddon: false)
        }
    }

    /// Sums the `keys=` of every database `INFO keyspace` lists (0 when there are none).
    static let sumKeys = #"tr -d '\r' | sed -n 's/^db[0-9]*:keys=\([0-9]*\),.*/\1/p' | { n=0; while read -r k; do n=$((n + k)); done; echo $n; }"#

    /// Every table's rows as one JSON object line, `{"public.t" : 2}` (names quoted as SQL
    /// identifiers when they need it; JSON escapes the rest).
    static let tableCountsQuery = """
        SELECT coalesce(json_object_agg(format('%I.%I', table_schema, table_name), \
        (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint \
        ORDER BY table_schema, table_name), '{}') FROM information_schema.tables \
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
        """

    /// psql opens a repeatable-read transaction, exports its snapshot, counts every table's rows
    /// in it (to a file: psql's query output), and runs pg_dump on that snapshot (`\!`: pg_dump
    /// writes to the container's standard output) while the transaction stays open.
    static let postgresBackupScript = #"""
    set -eu
    rm -f /tmp/dump-failed /tmp/source-counts
    psql -X -q -At -v ON_ERROR_STOP=1 -o /tmp/source-counts <<'SQL'
    BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
    SELECT pg_export_snapshot() AS snapshot \gset
    \setenv SLIPWAY_SNAPSHOT :snapshot
    \#(tableCountsQuery);
    \! pg_dump --snapshot="$SLIPWAY_SNAPSHOT" --format=custom --no-owner --no-privileges || touch /tmp/dump-failed
    COMMIT;
    SQL
    if [ -e /tmp/dump-failed ]; then echo "pg_dump failed" >&2; exit 1; fi
    echo "\#(BackupSourceOutput.marker) tables=$(tr -d '\n' < /tmp/source-counts)" >&2
    """#

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
    echo "\#(BackupCheckOutput.tablesMarker) $(as_postgres psql -U postgres -d scratch -AtX -c "\#(tableCountsQuery)" | tr -d '\n')"
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
    echo "keys=$(redis-cli -p 6390 info keyspace | \#(sumKeys))"
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
