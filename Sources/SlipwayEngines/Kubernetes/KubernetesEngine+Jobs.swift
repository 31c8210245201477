import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
import SlipwayKubernetes

/// One-off commands as Jobs (batch/v1): the release phase runs the rendered release Job
/// (`APP-release-vN`) before the rollout; `slipway run` a Job made from it with its command.
extension KubernetesEngine {
    public func runOneOff(_ release: Release, service: String?, command: [String], stdin: Data?, purpose: OneOffPurpose,
                          output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int {
        guard stdin == nil else {
            throw SlipwayError.invalidRequest("standard input is not supported by the Kubernetes engine; pass the data as arguments")
        }
        var oneOff = release
        oneOff.releaseCommand = command
        if let service {
            guard release.services.contains(where: { $0.name == service }) else {
                throw SlipwayError.invalidRequest("\(release.app) has no service \(service) (it has: \(release.services.map(\.name).joined(separator: ", ")))")
            }
            oneOff.defaultService = service
        }
        let objects = try render(oneOff)
        guard var job = objects.first(where: { $0.kind == .job }) else {
            throw SlipwayError.conflict("\(release.label) of \(release.app) has no services to run a command from")
        }
        if purpose == .run {
            job = Self.renamed(job, to: "\(release.app.value)-run-\(UInt32.random(in: 10000...99999))")
        }
        let namespace = namespace(of: release.app)
        do {
            let code = try await run(job, of: release, objects: objects, in: namespace, purpose: purpose, output: output)
            // A failed release phase of a first deploy leaves no namespace behind.
            if purpose == .release, code != 0 { await removeNamespaceIfNew(for: release, log: { _ in }) }
            return code
        } catch {
            if purpose == .release { await removeNamespaceIfNew(for: release, log: { _ in }) }
            throw Self.slipwayError(error, doing: "running Job \(job.name) in namespace \(namespace)")
        }
    }

    /// Applies what the Job's pod needs (for the release phase) and the Job, and waits for it.
    private func run(_ job: KubernetesObject, of release: Release, objects: [KubernetesObject], in namespace: String,
                     purpose: OneOffPurpose, output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int {
        if purpose == .release {
            // Every object of the release is checked before the Job changes anything: a refused
            // one fails the deploy with the previous release's objects untouched. Then what the
            // Job's pod needs (namespace, config, claims); the rest waits for the rollout. The
            // config objects are the release's own (named by content), so running pods keep theirs.
            try await dryRun(objects, for: release)
            try await apply(Array(objects.prefix { $0.kind != .job }))
            // A Job's template is immutable: a leftover of an interrupted attempt goes first.
            _ = try await client.delete(.job, name: job.name, namespace: namespace, propagationPolicy: .background)
        } else {
            guard try await client.get(.namespace, name: namespace) != nil else {
                throw SlipwayError.notFound("namespace \(namespace) does not exist in the cluster; deploy \(release.app) first")
            }
        }
        _ = try await client.apply(try job.jsonValue(), namespace: namespace)
        let code = try await runWithLiveOutput(job.name, namespace: namespace, output: output)
        if purpose == .run {
            _ = try? await client.delete(.job, name: job.name, namespace: namespace, propagationPolicy: .background)
        }
        return code
    }

    static func renamed(_ object: KubernetesObject, to name: String) -> KubernetesObject {
        var object = object
        object.name = name
        if case .map(var fields) = object.body, let index = fields.firstIndex(where: { $0.key == "metadata" }),
           case .map(var metadata) = fields[index].value, let nameIndex = metadata.firstIndex(where: { $0.key == "name" }) {
            metadata[nameIndex].value = .string(name)
            fields[index].value = .map(metadata)
            object.body = .map(fields)
        }
        return object
    }

    /// Watches the Job until it succeeded (0) or failed (its container's exit code, else 1):
    /// list, then watch from the list's version (a 410 Gone lists again), so an outcome reached
    /// between the apply and the watch is not missed.
    func waitForJob(_ name: String, namespace: String, timeout: Duration) async throws -> Int {
        let client = self.client
        return try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                var outcome: JobOutcome?
                try await client.listAndWatch(.job, namespace: namespace, options: ListOptions(fieldSelector: "metadata.name=\(name)")) { event in
                    guard event.object.metadataName == name else { return false }
                    if event.type == .deleted {
                        throw SlipwayError.engine("Job \(name) was deleted before it finished")
                    }
                    outcome = JobOutcome(event.object)
                    return outcome != nil
                }
                switch outcome {
                case .succeeded: return 0
                case .failed, nil: return await Self.exitCode(job: name, namespace: namespace, client: client) ?? 1
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SlipwayError.engine("Job \(name) in namespace \(namespace) did not finish within \(timeout.components.seconds) s")
            }
            defer { group.cancelAll() }
            guard let code = try await group.next() else { throw CancellationError() }
            return code
        }
    }

    /// The Job's pods (by the `job-name` label the Job controller sets).
    static func jobPods(_ job: String, namespace: String, client: KubernetesClient) async -> [JSONValue] {
        let list = try? await client.list(.pod, namespace: namespace, options: ListOptions(labelSelector: "job-name=\(job)"))
        return (list?.items ?? []).filter { $0.labels["job-name"] == job || $0.labels["batch.kubernetes.io/job-name"] == job }
    }

    static func exitCode(job: String, namespace: String, client: KubernetesClient) async -> Int? {
        for pod in await jobPods(job, namespace: namespace, client: client) {
            for status in pod[path: "status", "containerStatuses"]?.arrayValue ?? [] {
                if let code = status[path: "state", "terminated", "exitCode"]?.intValue, code != 0 { return code }
            }
        }
        return nil
    }

    /// Waits for the Job while following its pods' logs as they start. Once it finished, the
    /// logs being followed get a moment to reach their end; when no pod's log could be
    /// followed, the finished pods' logs are read instead.
    func runWithLiveOutput(_ job: String, namespace: String, output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int {
        let followers = JobLogFollowers()
        let timeout = configuration.jobTimeout
        let code = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask { try await self.waitForJob(job, namespace: namespace, timeout: timeout) }
            group.addTask {
                await self.followJobPods(job, namespace: namespace, followers: followers, output: output)
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                guard let code = result else { continue }
                // Logs of finished containers end by themselves; a pod seen late still gets its turn.
                let deadline = ContinuousClock.now + .seconds(5)
                let podDeadline = ContinuousClock.now + .seconds(1)
                while ContinuousClock.now < deadline, await !followers.drained(noPodAfter: podDeadline) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                return code
            }
            throw CancellationError()
        }
        if await followers.started == 0 {
            await collectJobOutput(job, namespace: namespace, output: output)
        }
        return code
    }

    /// Follows the log of each of the Job's pods once it runs (or ran), until cancelled.
    func followJobPods(_ job: String, namespace: String, followers: JobLogFollowers,
                       output: @escaping @Sendable (RunEvent) async -> Void) async {
        let client = self.client
        await withTaskGroup(of: Void.self) { group in
            var followed: Set<String> = []
            do {
                let events = try await client.watch(.pod, namespace: namespace, options: WatchOptions(labelSelector: "job-name=\(job)"))
                for try await event in events where event.type == .added || event.type == .modified {
                    let pod = event.object
                    guard let name = pod.metadataName,
                          pod.labels["job-name"] == job || pod.labels["batch.kubernetes.io/job-name"] == job,
                          ["Running", "Succeeded", "Failed"].contains(pod[path: "status", "phase"]?.stringValue ?? ""),
                          followed.insert(name).inserted else { continue }
                    await followers.begin()
                    group.addTask {
                        do {
                            for try await line in try await client.podLogs(name: name, namespace: namespace, options: PodLogOptions(follow: true)) {
                                await output(RunEvent(stream: "stdout", text: line))
                            }
                        } catch {
                            await output(RunEvent(stream: "stderr", text: "(the log of pod \(name) could not be followed: \(error))"))
                        }
                        await followers.end()
                    }
                }
            } catch {
                // The Job's outcome decides; without a followed pod its logs are read at the end.
            }
            await group.waitForAll()
        }
    }

    /// The output of the Job's pods, once it finished.
    func collectJobOutput(_ job: String, namespace: String, output: @escaping @Sendable (RunEvent) async -> Void) async {
        for pod in await Self.jobPods(job, namespace: namespace, client: client) {
            guard let name = pod.metadataName else { continue }
            do {
                for try await line in try await client.podLogs(name: name, namespace: namespace) {
                    await output(RunEvent(stream: "stdout", text: line))
                }
            } catch {
                await output(RunEvent(stream: "stderr", text: "(the log of pod \(name) could not be read: \(error))"))
            }
        }
    }
}

/// A finished Job's outcome, from its status.
enum JobOutcome: Equatable {
    case succeeded
    case failed(String)

    init?(_ job: JSONValue) {
        let status = job["status"]
        let conditions = status?["conditions"]?.arrayValue ?? []
        func condition(_ type: String) -> JSONValue? {
            conditions.first { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        if condition("Complete") != nil || (status?["succeeded"]?.intValue ?? 0) > 0 {
            self = .succeeded
        } else if let failed = condition("Failed") {
            self = .failed(failed["message"]?.stringValue ?? failed["reason"]?.stringValue ?? "failed")
        } else if (status?["failed"]?.intValue ?? 0) > 0 {
            self = .failed("a pod failed")
        } else {
            return nil
        }
    }
}

/// How many of a Job's pod logs are being followed.
actor JobLogFollowers {
    private(set) var started = 0
    private var active = 0

    func begin() {
        started += 1
        active += 1
    }

    func end() {
        active -= 1
    }

    /// No log is being followed, and at least one was or it is past `noPodAfter`.
    func drained(noPodAfter: ContinuousClock.Instant) -> Bool {
        active == 0 && (started > 0 || ContinuousClock.now >= noPodAfter)
    }
}
