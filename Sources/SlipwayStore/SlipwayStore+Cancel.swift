import Foundation
import GRDB
import SlipwayCore

/// Cancelling a deploy that has not started: it leaves the queue in one transaction, so a worker
/// can no longer claim it.
extension SlipwayStore {
    /// Ends a queued deploy in ERROR with `reason` and forgets its git credentials; returns its
    /// upload (to delete), or nil if the deploy was not queued (running, ended or unknown).
    public func cancelQueuedDeploy(_ traceId: String, reason: String, now: Date = Date()) throws -> (cancelled: Bool, uploadPath: String?) {
        try writer.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT uploadPath FROM deploy WHERE traceId = ? AND state = 'queued'", arguments: [traceId])
            guard let row else { return (false, nil) }
            try db.execute(sql: "UPDATE deploy SET state = 'done', status = ?, finishedAt = ?, error = ? WHERE traceId = ?",
                           arguments: [DeployStatus.error.rawValue, now, reason, traceId])
            // No stage began: all of them are skipped, and the deploy's error says why.
            try db.execute(sql: "UPDATE stage SET status = ? WHERE traceId = ? AND status = ?",
                           arguments: [StageStatus.skipped.rawValue, traceId, StageStatus.pending.rawValue])
            try db.execute(sql: "DELETE FROM deployCredential WHERE traceId = ?", arguments: [traceId])
            return (true, row["uploadPath"])
        }
    }
}
