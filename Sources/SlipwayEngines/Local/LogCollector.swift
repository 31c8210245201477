import DockerAPI
import Foundation
import Logging
import SlipwayCore

/// App logs: every replica's output, followed from the moment its container starts (told by
/// `Replicas.start` just before it starts one, and by the container engine's `start` events for
/// containers started otherwise, with the reconciler's listings for anything missed), delivered line by
/// line. Output is read through `attach`, which streams what the container writes at once (an
/// engine's `logs?follow` may poll: Podman's does every 250 ms), and is stamped when it arrives;
/// what a replica printed before the attach comes from the logs API. Replicas that already ran
/// when collecting began resume after `resumeAfter(app)`, so a server restart neither loses
/// their lines nor stores them twice.
struct LogCollector: Sendable {
    let docker: DockerClient
    let labels: ContainerLabels
    let starts: Broadcast<String>
    /// The reconciler's listings, so the collector lists nothing itself after its start.
    let listings: Broadcast<[ContainerSummary]>
    let logger: Logger

    private enum LogSignal: Sendable {
        case started(String)
        /// At the start: this collector's own listing (replicas that ran before may resume).
        case adopt
        /// A listing the reconciler made, to catch starts the events missed.
        case listed([ContainerSummary])
        case ended(String)
    }

    func collectLogs(resumeAfter: @escaping @Sendable (String) -> Date?,
                            deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async {
        let (signals, signal) = AsyncStream.makeStream(of: LogSignal.self, bufferingPolicy: .bufferingNewest(10_000))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do {
                        let events = docker.events(filters: ["type": ["container"], "label": labels.eventFilter, "event": ["start"]])
                        for try await event in events where labels.owns(event.attributes) { signal.yield(.started(event.actorID)) }
                    } catch {
                        logger.debug("log collector: engine events ended", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            group.addTask {
                for await id in await starts.stream() { signal.yield(.started(id)) }
            }
            group.addTask {
                let shared = await listings.stream()
                signal.yield(.adopt)
                for await listing in shared { signal.yield(.listed(listing)) }
            }
            var followed = Set<String>()
            var adopting = true
            for await message in signals {
                let candidates: [(id: String, labels: [String: String])]
                switch message {
                case .ended(let id):
                    followed.remove(id)
                    continue
                case .started(let id):
                    guard !followed.contains(id), let details = try? await docker.inspectContainer(id), labels.owns(details.labels) else { continue }
                    candidates = [(id, details.labels)]
                case .adopt:
                    candidates = ((try? await docker.listContainers(all: false, labelFilters: labels.filters())) ?? []).map { ($0.id, $0.labels) }
                case .listed(let containers):
                    candidates = containers.filter { $0.state == "running" }.map { ($0.id, $0.labels) }
                }
                for candidate in candidates where !followed.contains(candidate.id) {
                    // Replicas (web.1) and add-ons (addon.db); one-off containers' output goes elsewhere.
                    guard let labels = LogSource(candidate.labels) else { continue }
                    followed.insert(candidate.id)
                    // Only replicas found by the first listing may have run before: the others are read from their start.
                    var cutoff: Date?
                    if adopting, case .adopt = message { cutoff = resumeAfter(labels.app) }
                    group.addTask {
                        await follow(candidate.id, labels: labels, after: cutoff, deliver: deliver)
                        signal.yield(.ended(candidate.id))
                    }
                }
                if case .adopt = message { adopting = false }
            }
            group.cancelAll()
        }
    }

    private func follow(_ id: String, labels: LogSource, after cutoff: Date?,
                        deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async {
        let process = labels.process
        // How many lines of the logs API's answer were delivered already: the API is read again
        // and again while the replica starts, and each read delivers only what is new.
        var delivered = 0
        var tty: Bool?
        func deliverStored(until: Date?) async {
            delivered = await self.deliverStored(id, process: process, app: labels.app, since: cutoff, until: until,
                                                 tty: tty, skipping: delivered, deliver: deliver)
        }
        // Podman's attach on a container that has exited re-initializes it (its state becomes
        // "initialized", its exit code 0), so a replica is attached to only once it has run for a
        // while and is still running. Until then its output is read from the logs API every
        // 50 ms, so a new replica's first lines are not held back for that while; one that
        // crashes at start is read from there to its end.
        guard await runsPastStart(id, whileStarting: { hasTTY in
            tty = hasTTY
            await deliverStored(until: nil)
        }) else {
            await deliverStored(until: nil)
            return
        }
        // Live output is attached to first (read into a buffer, stamped on arrival); what the
        // replica printed before that — since it started, or since `cutoff` for one a restart
        // adopted — comes from the logs API with the engine's timestamps, up to the attach.
        let attachedAt = Date()
        let (live, buffer) = AsyncStream.makeStream(of: AppLogLine.self)
        let attach = Task {
            do {
                for try await line in docker.attachOutput(id) {
                    buffer.yield(AppLogLine(time: Date(), process: process, stream: line.stream.rawValue, text: line.text))
                }
            } catch {
                logger.debug("log collector: attach ended", metadata: ["container.id": "\(id.prefix(12))", "error": "\(error)"])
            }
            buffer.finish()
        }
        defer { attach.cancel() }
        await deliverStored(until: attachedAt)
        for await line in live { await deliver(labels.app, line) }
    }

    /// Waits until the container has run for a second (from being created, if it was not started
    /// yet); whether it still runs then. Checked every 50 ms, calling `whileStarting` (with
    /// whether the container has a TTY) each time, so the output of one that crashes is read
    /// before the reconciler replaces it.
    private func runsPastStart(_ id: String, whileStarting: (Bool) async -> Void) async -> Bool {
        while true {
            guard let details = try? await docker.inspectContainer(id) else { return false }
            let state = details.state
            let starting = state.status == "created" || state.status == "configured" || state.status == "initialized"
            guard state.running || starting else { return false }
            if state.running, (state.startedAt.map { Date().timeIntervalSince($0) } ?? 1) >= 1 { return true }
            await whileStarting(details.tty)
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// What the container printed (after `since`, before `until`), from the logs API with the
    /// engine's timestamps, less the first `skipping` lines of the answer. Returns how many
    /// lines the answer had, or `skipping` when it could not be read.
    private func deliverStored(_ id: String, process: String, app: String, since: Date?, until: Date?, tty: Bool?, skipping: Int,
                               deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async -> Int {
        var count = 0
        do {
            for try await line in docker.logs(id, follow: false, tail: nil, timestamps: true, since: since, until: until, tty: tty) {
                count += 1
                if count <= skipping { continue }
                let time = line.timestamp ?? until ?? Date()
                if let since, time <= since { continue }
                await deliver(app, AppLogLine(time: time, process: process, stream: line.stream.rawValue, text: line.text))
            }
        } catch {
            logger.debug("log collector: no stored output", metadata: ["container.id": "\(id.prefix(12))", "error": "\(error)"])
        }
        return Swift.max(count, skipping)
    }
}

/// Whose output a container is in the app's logs: a replica's (`web.1`) or an add-on's (`addon.db`).
struct LogSource: Sendable {
    var app: String
    var process: String

    init?(_ labels: [String: String]) {
        if let replica = ReplicaLabels(labels) {
            (app, process) = (replica.app, "\(replica.service).\(replica.index)")
        } else if let addon = labels[ContainerLabels.addon], let app = labels[Labels.name] {
            (self.app, process) = (app, "addon.\(addon)")
        } else {
            return nil
        }
    }
}
