import Foundation
import NIOConcurrencyHelpers
import SlipwayCore
import SlipwayEngines

/// A test double of the `Engine` contract: replicas are records in memory and nothing runs.
/// It stands in for Podman only in the in-process suites (SlipwayServerTests), so the API, the
/// pipeline, the deploy queue and the reconciler can be tested in seconds. The real engines stay
/// tested against the real thing: the local engine against Podman (SlipwayIntegrationTests), the
/// Kubernetes engine against the kmock emulator (SlipwayEnginesTests).
///
/// It behaves like an engine a test can break: a step fails (`fail`), waits until let go (`hold`),
/// a replica crashes (`crash`) and `supervise` brings it back. It checks that callers keep the
/// contract's call order (one rollout per app at a time; its stages in order, once each; exactly
/// one `commit` or `undo`) and lists what was broken in `violations`.
package actor InMemoryEngine: Engine {
    /// The stages it declares: the local engine's, or the Kubernetes engine's (push; apply, run).
    package enum Stages: Sendable {
        case local, kubernetes
    }

    /// The calls a test can make fail or wait.
    package enum Step: String, Sendable, CaseIterable {
        case build, push, releaseCommand, rollOut, apply, run, commit
        /// A one-off command that is not a release phase (`slipway run`, scheduled jobs).
        case oneOff
        /// Starting an add-on.
        case addon
        /// A tool run for an add-on's data (`runAddonTool`: backups, restores, verifications).
        case addonTool
    }

    struct Key: Hashable {
        var step: Step
        var app: String?
    }

    private struct Gate {
        var reached = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    nonisolated let stages: Stages
    /// The one record of current releases (the server's store), as for the real engines.
    nonisolated let releases: any CurrentReleases
    private var failures: [Key: String] = [:]
    private var gates: [Key: Gate] = [:]
    /// Per app, the replicas that run now.
    private var running: [String: [ReplicaView]] = [:]
    /// Apps whose lock a rollout or a destroy holds.
    private var locked: Set<String> = []
    package private(set) var builtImages: Set<String> = []
    package private(set) var discardedImages: [String] = []
    /// Calls in order, e.g. "build demo", "rollOut demo v2", "run demo v2", "commit demo v2".
    package private(set) var calls: [String] = []
    private let broken = NIOLockedValueBox<[String]>([])
    /// What a one-off command prints and exits with, by its first word.
    private var oneOffs: [String: (output: [String], exitCode: Int)] = [:]
    private var containerCount = 0
    /// A replica crashed since the last supervising pass (or a pass had to leave a locked app alone).
    private var needsPass = false
    /// Add-ons started (by app, then name): their state is `running`.
    package private(set) var addons: [String: [String: AddonSpec]] = [:]
    private let logSinks = NIOLockedValueBox<[UUID: @Sendable (String, AppLogLine) async -> Void]>([:])

    package init(releases: any CurrentReleases = InMemoryCurrentReleases(), stages: Stages = .local) {
        self.releases = releases
        self.stages = stages
    }

    package nonisolated var rolloutStages: [StageName] { stages == .local ? [.run] : [.apply, .run] }

    package nonisolated var imageSteps: [ImageStep] {
        guard stages == .kubernetes else { return [] }
        return [ImageStep(stage: .push, verb: "pushed") { app, images, _, _ in
            try await self.pass(.push, app: app.value, call: "push \(app)")
            return images.mapValues { "registry.test/\(app)@\($0)" }
        }]
    }

    /// Calls made against the contract's call order, e.g. a rollout dropped without commit or undo.
    package nonisolated var violations: [String] { broken.withLockedValue { $0 } }

    nonisolated func violation(_ text: String) { broken.withLockedValue { $0.append(text) } }

    // MARK: Steering

    /// Makes `step` throw `SlipwayError.engine(message)` (for `app` only, or every app).
    package func fail(_ step: Step, app: String? = nil, message: String?) {
        failures[Key(step: step, app: app)] = message
    }

    /// Makes `step` wait (for `app`, or every app) until `letGo` is called.
    package func hold(_ step: Step, app: String? = nil) {
        gates[Key(step: step, app: app)] = Gate()
    }

    package func letGo(_ step: Step, app: String? = nil) {
        let gate = gates.removeValue(forKey: Key(step: step, app: app))
        for waiter in gate?.waiters ?? [] { waiter.resume() }
    }

    /// Whether a held step has been reached (a call is waiting at it).
    package func isWaiting(at step: Step, app: String? = nil) -> Bool {
        gates[Key(step: step, app: app)]?.reached ?? false
    }

    /// Makes one-off commands starting with `program` print `output` and exit with `exitCode`
    /// (unscripted ones print nothing and exit 0).
    package func script(_ program: String, output: [String] = [], exitCode: Int) {
        oneOffs[program] = (output, exitCode)
    }

    /// A replica's process dies: it shows as exited and not ready until `supervise` restarts it.
    package func crash(app: String, service: String = "web", index: Int = 1) {
        guard let position = running[app]?.firstIndex(where: { $0.service == service && $0.index == index }) else { return }
        running[app]?[position].state = "exited"
        running[app]?[position].ready = false
        needsPass = true
    }

    /// A replica prints `text`: it reaches whoever collects logs.
    package func emit(app: String, process: String = "web.1", _ text: String) async {
        let line = AppLogLine(time: Date(), process: process, stream: "stdout", text: text)
        for deliver in logSinks.withLockedValue({ Array($0.values) }) { await deliver(app, line) }
    }

    /// The release `supervise` keeps running for `app`.
    package nonisolated func current(_ app: String) -> Release? {
        (try? releases.currentReleases())?.first { $0.app.value == app }
    }

    // MARK: Engine

    package func build(app: AppName, spec: AppSpec, workspace: URL, traceId: String, log: @escaping LogSink) async throws -> [String: String] {
        try await pass(.build, app: app.value, call: "build \(app)")
        await log("Building \(spec.services.count) service(s) in memory")
        var images: [String: String] = [:]
        for service in spec.services {
            let image = "sha256:mem-\(app)-\(service.dockerfile)-\(traceId.prefix(8))"
            images[service.name.value] = image
            builtImages.insert(image)
        }
        return images
    }

    package func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> any Rollout {
        let app = release.app.value
        try await pass(.rollOut, app: app, call: "rollOut \(app) \(release.label)")
        try await lock(app)
        return InMemoryRollout(engine: self, release: release, previous: previous)
    }

    package func discardImages(_ images: [String]) async {
        discardedImages += images
        builtImages.subtract(images)
    }

    package func missingImages(of release: Release) async -> [String] {
        release.services.map(\.image).filter { $0.hasPrefix("sha256:mem-") && !builtImages.contains($0) }
    }

    package func runOneOff(_ release: Release, service: String?, command: [String], stdin: Data?, purpose: OneOffPurpose,
                           output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int {
        if purpose == .release { try await pass(.releaseCommand, app: release.app.value, call: "release \(release.app) \(release.label)") }
        if purpose == .run { try await pass(.oneOff, app: release.app.value, call: nil) }
        let scripted = oneOffs[command.first ?? ""] ?? ([], 0)
        for line in scripted.output { await output(RunEvent(stream: "stdout", text: line)) }
        if let stdin { await output(RunEvent(stream: "stdout", text: String(decoding: stdin, as: UTF8.self))) }
        return scripted.exitCode
    }

    package func collectLogs(resumeAfter: @escaping @Sendable (String) -> Date?,
                             deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async {
        let id = UUID()
        logSinks.withLockedValue { $0[id] = deliver }
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        _ = logSinks.withLockedValue { $0.removeValue(forKey: id) }
    }

    package func replicas(of app: AppName) async throws -> [ReplicaView] {
        running[app.value] ?? []
    }

    package func destroy(app: AppName, removingVolumes: Bool) async throws -> DestroyedVolumes {
        calls.append("destroy \(app)")
        try await lock(app.value)
        defer { locked.remove(app.value) }
        running[app.value] = nil
        let volumes = current(app.value).map { release in release.services.flatMap { ($0.volumes ?? [:]).keys.sorted() } } ?? []
        return removingVolumes ? DestroyedVolumes(removed: volumes, kept: []) : DestroyedVolumes(removed: [], kept: volumes)
    }

    /// Echoes what it is sent (prefixed with the command and, for an add-on, its name) until the end of input.
    package func runInteractive(_ release: Release, service: String?, addon: AddonSpec?, command: [String], tty: Bool,
                                input: AsyncStream<InteractiveInput>, output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        calls.append("runInteractive \(release.app) \(addon.map { "addon \($0.name) " } ?? "")\(command.joined(separator: " "))")
        for await item in input {
            switch item {
            case .data(let data): await output(1, data)
            case .resize(let columns, let rows): await output(2, Data("resized \(columns)x\(rows)\n".utf8))
            case .endOfInput: return 0
            }
        }
        return 0
    }

    /// A stand-in for pg_dump, pg_restore, redis-cli and the verification scripts: consumes its
    /// input and exits 0. A dump prints a line naming the add-on and, on stderr, the source's
    /// counts (`sourceCounts`); a verification prints the restored counts (`restoredCounts`)
    /// as the real scripts do. With `fail(.addonTool)` it prints the message on stderr and exits 1.
    package func runAddonTool(_ addon: AddonSpec, tool: AddonTool, input: AsyncStream<InteractiveInput>,
                              output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        calls.append("runAddonTool \(addon.app) \(addon.name) \(tool.purpose.rawValue) \(tool.program)\(tool.stopsAddon ? " stopped" : "")")
        for await item in input where item == .endOfInput { break }
        if let message = failures[Key(step: .addonTool, app: addon.app.value)] ?? failures[Key(step: .addonTool, app: nil)] {
            await output(2, Data((message + "\n").utf8))
            return 1
        }
        switch tool.purpose {
        case .backup:
            await output(1, Data("in-memory \(addon.kind.rawValue) data of \(addon.name)\n".utf8))
            await output(2, Data((Self.countsLine(addon.kind, sourceCounts, restored: false) + "\n").utf8))
        case .verify:
            await output(1, Data((Self.countsLine(addon.kind, restoredCounts, restored: true) + "\n").utf8))
        case .restore:
            await output(1, Data("restored in-memory \(addon.kind.rawValue) data of \(addon.name)\n".utf8))
        }
        return 0
    }

    /// Rows per table (Postgres) or the keys (Redis, the single value) the stand-in's dumps report
    /// the source held, and its verifications restored. Equal unless a test makes them differ.
    package var sourceCounts: [String: Int64] = ["public.t": 1]
    package var restoredCounts: [String: Int64] = ["public.t": 1]

    package func setCounts(source: [String: Int64], restored: [String: Int64]) {
        (sourceCounts, restoredCounts) = (source, restored)
    }

    private static func countsLine(_ kind: AddonKind, _ counts: [String: Int64], restored: Bool) -> String {
        let keys = counts.values.reduce(0, +)
        switch (kind, restored) {
        case (.redis, false): return "\(BackupSourceOutput.marker) keys=\(keys) keys-after=\(keys)"
        case (.redis, true): return "keys=\(keys)"
        case (.postgres, false):
            return "\(BackupSourceOutput.marker) tables=\(Self.json(counts))"
        case (.postgres, true):
            return "\(BackupCheckOutput.tablesMarker) \(Self.json(counts))\ntables=\(counts.count) rows=\(keys) listed=\(counts.count)"
        }
    }

    private static func json(_ counts: [String: Int64]) -> String {
        String(decoding: (try? JSONEncoder().encode(counts)) ?? Data("{}".utf8), as: UTF8.self)
    }

    package func startAddon(_ addon: AddonSpec) async throws {
        calls.append("startAddon \(addon.app) \(addon.name)")
        if let message = failures[Key(step: .addon, app: addon.app.value)] ?? failures[Key(step: .addon, app: nil)] {
            throw SlipwayError.engine(message)
        }
        addons[addon.app.value, default: [:]][addon.name.value] = addon
    }

    package func addonStatus(app: AppName) async throws -> [String: AddonStatus] {
        (addons[app.value] ?? [:]).mapValues { _ in AddonStatus(state: "running", volume: "memory-volume", sizeBytes: 0) }
    }

    package func removeAddon(_ addon: AddonSpec, removingVolume: Bool) async throws -> DestroyedVolumes {
        calls.append("removeAddon \(addon.app) \(addon.name)")
        addons[addon.app.value]?[addon.name.value] = nil
        let volume = "memory-volume-\(addon.name)"
        return removingVolume ? DestroyedVolumes(removed: [volume], kept: []) : DestroyedVolumes(removed: [], kept: [volume])
    }

    package func restore() async throws {
        for release in try releases.currentReleases() where running[release.app.value] == nil {
            running[release.app.value] = start(release)
        }
    }

    /// Until cancelled: after a crash, restarts crashed replicas and starts missing ones of each
    /// current release; apps whose lock is held are left alone (and looked at again once free),
    /// as the contract says. Idle, it only checks a flag every 20 ms: many servers run in one
    /// test process on two cores.
    package func supervise() async {
        while !Task.isCancelled {
            if needsPass {
                needsPass = false
                for release in (try? releases.currentReleases()) ?? [] {
                    if locked.contains(release.app.value) { needsPass = true } else { reconcile(release) }
                }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Internals

    private func reconcile(_ release: Release) {
        let app = release.app.value
        guard var replicas = running[app], !replicas.isEmpty else {
            running[app] = start(release)
            return
        }
        for index in replicas.indices where replicas[index].state != "running" {
            containerCount += 1
            replicas[index].state = "running"
            replicas[index].ready = true
            replicas[index].restarts += 1
            replicas[index].containerId = "mem-\(containerCount)"
            replicas[index].startedAt = Date()
        }
        running[app] = replicas
    }

    private func start(_ release: Release) -> [ReplicaView] {
        release.services.flatMap { service in
            (0..<service.replicas).map { offset in
                containerCount += 1
                return ReplicaView(service: service.name, index: offset + 1, release: release.version, containerId: "mem-\(containerCount)",
                                   state: "running", ready: true, hostPort: nil, startedAt: Date())
            }
        }
    }

    /// Takes the app's lock, waiting up to 5 s as the real engines wait (a minute) for the holder.
    private func lock(_ app: String) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while locked.contains(app) {
            if ContinuousClock.now > deadline { throw SlipwayError.conflict("\(app) is being changed by another operation") }
            try await Task.sleep(for: .milliseconds(5))
        }
        locked.insert(app)
    }

    func unlock(_ app: String) { locked.remove(app) }

    /// Starts `release`'s replicas in place of the app's; returns those it replaced.
    func swap(_ app: String, for release: Release) -> [ReplicaView] {
        let replaced = running[app] ?? []
        running[app] = start(release)
        return replaced
    }

    func putBack(_ app: String, _ replicas: [ReplicaView], hadPrevious: Bool) {
        running[app] = hadPrevious ? replicas : nil
    }

    func record(_ call: String) { calls.append(call) }

    /// Records the call, waits at a held gate, then throws a failure set for the step.
    func pass(_ step: Step, app: String, call: String?) async throws {
        if let call { calls.append(call) }
        for key in [Key(step: step, app: app), Key(step: step, app: nil)] where gates[key] != nil {
            gates[key]?.reached = true
            await withCheckedContinuation { gates[key]?.waiters.append($0) }
        }
        if let message = failures[Key(step: step, app: app)] ?? failures[Key(step: step, app: nil)] {
            throw SlipwayError.engine(message)
        }
    }
}
