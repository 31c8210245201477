import Foundation
import SlipwayCore

/// Turns successive polls of `GET /v1/deploys/{id}` into the stage events the CLI prints, each once:
/// a stage started, a stage finished. Stages that begin and end between two polls yield both.
public struct DeployProgressTracker: Sendable {
    public enum Event: Sendable, Equatable {
        case started(stage: String)
        case finished(stage: String, status: StageStatus, seconds: Double?, message: String?)
    }

    private var announcedStart: Set<String> = []
    private var announcedEnd: Set<String> = []

    public init() {}

    public mutating func update(_ view: DeployView) -> [Event] {
        var events: [Event] = []
        for stage in view.stages {
            switch stage.status {
            case .pending, .skipped:
                continue
            case .inProgress, .completed, .error:
                if announcedStart.insert(stage.name).inserted {
                    events.append(.started(stage: stage.name))
                }
            }
            if stage.status == .completed || stage.status == .error, announcedEnd.insert(stage.name).inserted {
                let seconds = stage.startedAt.flatMap { start in stage.finishedAt.map { $0.timeIntervalSince(start) } }
                events.append(.finished(stage: stage.name, status: stage.status, seconds: seconds, message: stage.message))
            }
        }
        return events
    }

    /// The stage running now, if any.
    public static func running(_ view: DeployView) -> StageView? {
        view.stages.first { $0.status == .inProgress }
    }
}

/// The words and symbols of `slipway deploy`'s live output.
/// Plain (not a terminal): `-----> build` when a stage starts, `       build done (3.2s)` when it ends.
/// Terminal: one line per stage, `⠹ build    3.1s` redrawn in place, then `✓ build    3.2s`.
public enum DeployProgressFormatter {
    public static let spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
    /// Wide enough for every stage name (`release`), so durations line up.
    static let nameWidth = StageName.allCases.map(\.rawValue.count).max() ?? 8

    public static func startLine(stage: String) -> String {
        "-----> \(stage)"
    }

    public static func finishLine(stage: String, status: StageStatus, seconds: Double?, message: String?) -> String {
        let took = seconds.map { " (\(Format.duration($0)))" } ?? ""
        switch status {
        case .error:
            return "       \(stage) FAILED\(took)" + (message.map { ": \($0)" } ?? "")
        default:
            return "       \(stage) done\(took)"
        }
    }

    public static func ttyFinishLine(stage: String, status: StageStatus, seconds: Double?, message: String?) -> String {
        let symbol = status == .error ? "✗" : "✓"
        var line = "  \(symbol) \(padded(stage))  \(seconds.map(Format.duration) ?? "")"
        if status == .error, let message { line += "  \(message)" }
        return line
    }

    public static func spinnerLine(stage: String, elapsed: Double, frame: Int) -> String {
        "  \(spinnerFrames[abs(frame) % spinnerFrames.count]) \(padded(stage))  \(Format.duration(elapsed))"
    }

    /// `Deployed my-app v3 in 12.3s`.
    public static func summary(_ view: DeployView) -> String {
        var line = "Deployed \(view.apps.isEmpty ? view.app : view.apps.joined(separator: ", "))"
        if let release = view.release { line += " v\(release)" }
        if let total = view.totalSeconds { line += " in \(Format.duration(total))" }
        return line
    }

    /// Which stage failed and why: the deploy's error, else the failed stage's message.
    public static func failure(_ view: DeployView) -> String {
        let failed = view.stages.first { $0.status == .error }
        let reason = view.error ?? failed?.message ?? "no reason given"
        guard let failed else { return "deploy \(view.traceId) failed: \(reason)" }
        return "deploy \(view.traceId) failed at stage \(failed.name): \(reason)"
    }

    static func padded(_ stage: String) -> String {
        stage.padding(toLength: max(nameWidth, stage.count), withPad: " ", startingAt: 0)
    }
}
