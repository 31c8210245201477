import Foundation
import GRDB
import SlipwayCore

/// A deploy as the queue hands it to a worker.
public struct QueuedDeploy: Sendable, Equatable {
    public var traceId: String
    public var app: AppName
    public var source: SourceInfo
    /// The uploaded archive, for `upload` sources.
    public var uploadPath: String?
    /// False when the name was derived from the source (RAD's /trigger): a manifest's `name:` then wins.
    public var appExplicit: Bool
    /// For a release made without a build (rollback, config change, scale): what changes.
    public var change: ReleaseChange?
    public var requestedBy: String?
}

extension SlipwayStore {
    /// Records a new deploy with all its stages pending and puts it on the queue, in one transaction.
    public func enqueueDeploy(traceId: String, app: AppName, appExplicit: Bool = true, source: SourceInfo, uploadPath: String?,
                              change: ReleaseChange? = nil, requestedBy: String? = nil, now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                INSERT INTO deploy (traceId, app, appExplicit, state, status, createdAt, source, uploadPath, apps, change, requestedBy)
                VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)
                """,
                arguments: [traceId, app.value, appExplicit, DeployStatus.inProgress.rawValue, now,
                            try Self.encodeJSON(source), uploadPath, try Self.encodeJSON([app.value]),
                            try change.map { try encodeChange($0, app: app) }, requestedBy])
            for (position, stage) in deployStages.enumerated() {
                try db.execute(
                    sql: "INSERT INTO stage (traceId, position, name, status) VALUES (?, ?, ?, ?)",
                    arguments: [traceId, position, stage.rawValue, StageStatus.pending.rawValue])
            }
        }
    }

    /// Takes the oldest queued deploy whose app has no deploy running, and marks it running.
    /// Deploys of one app therefore run one at a time, in the order they were requested.
    public func claimNextDeploy() throws -> QueuedDeploy? {
        try writer.write { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT traceId, app, appExplicit, source, uploadPath, change, requestedBy FROM deploy AS d
                WHERE state = 'queued'
                  AND NOT EXISTS (SELECT 1 FROM deploy WHERE app = d.app AND state = 'running')
                ORDER BY seq LIMIT 1
                """)
            guard let row else { return nil }
            let traceId: String = row["traceId"]
            try db.execute(sql: "UPDATE deploy SET state = 'running' WHERE traceId = ?", arguments: [traceId])
            return QueuedDeploy(
                traceId: traceId,
                app: try DNSLabel(row["app"] as String),
                source: try Self.decodeJSON(SourceInfo.self, row["source"]),
                uploadPath: row["uploadPath"],
                appExplicit: row["appExplicit"],
                change: try (row["change"] as String?).map { try decodeChange($0, app: row["app"]) },
                requestedBy: row["requestedBy"])
        }
    }

    /// Trace ids of an app's finished deploys older than its newest `keep` (whose logs can go).
    public func finishedDeploys(of app: AppName, beyondNewest keep: Int) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT traceId FROM deploy WHERE app = ? AND state = 'done' ORDER BY seq DESC LIMIT -1 OFFSET ?",
                                arguments: [app.value, keep])
        }
    }

    /// Trace ids of every deploy of `app` the store has (the image tags its builds made carry them).
    public func deployTraceIds(of app: AppName) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT traceId FROM deploy WHERE app = ? OR apps LIKE ?", arguments: [app.value, "%\"\(app.value)\"%"])
        }
    }

    /// Deploys waiting (not yet running) for `app`, and over all apps.
    public func queuedDeploys(app: AppName) throws -> (app: Int, total: Int) {
        try writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS total, COALESCE(SUM(app = ?), 0) AS app FROM deploy WHERE state = 'queued'",
                                       arguments: [app.value])
            return (row?["app"] ?? 0, row?["total"] ?? 0)
        }
    }

    public func queueDepth() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deploy WHERE state = 'queued'") ?? 0 }
    }

    public func startStage(_ traceId: String, _ stage: StageName, now: Date = Date()) throws {
        try moveStage(traceId, stage, to: .inProgress, message: nil, now: now)
    }

    public func completeStage(_ traceId: String, _ stage: StageName, message: String? = nil, now: Date = Date()) throws {
        try moveStage(traceId, stage, to: .completed, message: message, now: now)
    }

    /// A stage this deploy does not need (a rollback builds nothing).
    public func skipStage(_ traceId: String, _ stage: StageName, message: String, now: Date = Date()) throws {
        try moveStage(traceId, stage, to: .skipped, message: message, now: now)
    }

    /// Updates a running stage's message (e.g. "2/3 replicas ready") without changing its status.
    public func setStageMessage(_ traceId: String, _ stage: StageName, _ message: String) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE stage SET message = ? WHERE traceId = ? AND name = ?",
                           arguments: [message, traceId, stage.rawValue])
        }
    }

    private func moveStage(_ traceId: String, _ stage: StageName, to next: StageStatus, message: String?, now: Date) throws {
        try writer.write { db in
            let current = try String.fetchOne(db, sql: "SELECT status FROM stage WHERE traceId = ? AND name = ?",
                                              arguments: [traceId, stage.rawValue])
            guard let current, let status = StageStatus(rawValue: current), status.canMove(to: next) else {
                throw SlipwayError.internal("stage \(stage.rawValue) of deploy \(traceId) cannot move from \(current ?? "nothing") to \(next.rawValue)")
            }
            let timeColumn = next == .inProgress ? "startedAt" : "finishedAt"
            // A skipped stage neither started nor finished.
            let time: Date? = next == .skipped ? nil : now
            try db.execute(
                sql: "UPDATE stage SET status = ?, \(timeColumn) = ?, message = COALESCE(?, message) WHERE traceId = ? AND name = ?",
                arguments: [next.rawValue, time, message, traceId, stage.rawValue])
        }
    }

    public func setDeployApps(_ traceId: String, apps: [String]) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE deploy SET apps = ? WHERE traceId = ?", arguments: [try Self.encodeJSON(apps), traceId])
        }
    }

    public func setDeploySource(_ traceId: String, source: SourceInfo) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE deploy SET source = ? WHERE traceId = ?", arguments: [try Self.encodeJSON(source), traceId])
        }
    }

    /// Ends a deploy successfully.
    public func completeDeploy(_ traceId: String, release: Int?, now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE deploy SET state = 'done', status = ?, finishedAt = ?, release = ? WHERE traceId = ?",
                arguments: [DeployStatus.completed.rawValue, now, release, traceId])
        }
    }

    /// Ends a deploy with an error: the running (or given) stage fails with the reason, later stages are skipped.
    public func failDeploy(_ traceId: String, reason: String, now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE stage SET status = ?, finishedAt = ?, message = ? WHERE traceId = ? AND status = ?",
                arguments: [StageStatus.error.rawValue, now, reason, traceId, StageStatus.inProgress.rawValue])
            let failed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stage WHERE traceId = ? AND status = ?",
                                          arguments: [traceId, StageStatus.error.rawValue]) ?? 0
            if failed == 0 {
                // Failed before any stage began (e.g. interrupted while queued): the first stage carries the reason.
                try db.execute(
                    sql: """
                    UPDATE stage SET status = ?, finishedAt = ?, message = ?
                    WHERE traceId = ? AND position = (SELECT MIN(position) FROM stage WHERE traceId = ? AND status = ?)
                    """,
                    arguments: [StageStatus.error.rawValue, now, reason, traceId, traceId, StageStatus.pending.rawValue])
            }
            try db.execute(sql: "UPDATE stage SET status = ? WHERE traceId = ? AND status = ?",
                           arguments: [StageStatus.skipped.rawValue, traceId, StageStatus.pending.rawValue])
            try db.execute(
                sql: "UPDATE deploy SET state = 'done', status = ?, finishedAt = ?, error = ? WHERE traceId = ?",
                arguments: [DeployStatus.error.rawValue, now, reason, traceId])
        }
    }

    /// At start-up: deploys a killed server was running cannot be trusted half-way; they end in ERROR.
    /// Queued deploys stay queued and run now. Returns the interrupted trace ids.
    @discardableResult
    public func failInterruptedDeploys(reason: String = "interrupted by server restart") throws -> [String] {
        let running = try writer.read { db in
            try String.fetchAll(db, sql: "SELECT traceId FROM deploy WHERE state = 'running' ORDER BY seq")
        }
        for traceId in running { try failDeploy(traceId, reason: reason) }
        return running
    }

    public func deploy(_ traceId: String) throws -> DeployView? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM deploy WHERE traceId = ?", arguments: [traceId]) else {
                return nil
            }
            let stages = try Row.fetchAll(db, sql: "SELECT * FROM stage WHERE traceId = ? ORDER BY position", arguments: [traceId])
                .map { stage in
                    StageView(name: stage["name"], status: StageStatus(rawValue: stage["status"]) ?? .pending,
                              startedAt: stage["startedAt"], finishedAt: stage["finishedAt"], message: stage["message"])
                }
            let createdAt: Date = row["createdAt"]
            let finishedAt: Date? = row["finishedAt"]
            let total = (finishedAt ?? Date()).timeIntervalSince(createdAt)
            return DeployView(
                traceId: traceId, app: row["app"], apps: try Self.decodeJSON([String].self, row["apps"]),
                status: DeployStatus(rawValue: row["status"]) ?? .inProgress, stages: stages,
                createdAt: createdAt, finishedAt: finishedAt, totalSeconds: (total * 1000).rounded() / 1000,
                release: row["release"], error: row["error"], source: try Self.decodeJSON(SourceInfo.self, row["source"]))
        }
    }

    /// The most recent deploys of an app, newest first.
    public func deploys(app: AppName, limit: Int = 20) throws -> [DeployView] {
        let ids = try writer.read { db in
            try String.fetchAll(db, sql: "SELECT traceId FROM deploy WHERE app = ? OR apps LIKE ? ORDER BY seq DESC LIMIT ?",
                                arguments: [app.value, "%\"\(app.value)\"%", limit])
        }
        return try ids.compactMap { try deploy($0) }
    }
}
