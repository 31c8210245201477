import Foundation
import KubernetesAPI
import KubernetesResources
import Logging
import SlipwayCore

/// `slipway ps` and `slipway logs` from pods.
extension KubernetesEngine {
    public func replicas(of app: AppName) async throws -> [ReplicaView] {
        let pods: [JSONValue]
        do {
            pods = try await client.list(.pod, namespace: namespace(of: app), options: ListOptions(labelSelector: Self.appSelector(app)))
                .items.filter { Self.belongs($0, to: app) }
        } catch let error as KubernetesAPIError where error.kind == .notFound {
            return []
        } catch {
            throw Self.slipwayError(error, doing: "listing the pods of \(app)")
        }
        return Self.replicaViews(pods)
    }

    /// Pods of process types (not Jobs' pods) as replicas, numbered as `replicaNumbers` does;
    /// state from the phase (or the waiting reason, e.g. CrashLoopBackOff), restarts summed.
    static func replicaViews(_ pods: [JSONValue]) -> [ReplicaView] {
        let replicas = pods.filter(isReplica)
        let numbers = replicaNumbers(replicas)
        let views = replicas.map { pod in
            let labels = pod.labels
            let status = pod["status"]
            let containers = status?["containerStatuses"]?.arrayValue ?? []
            let waiting = containers.compactMap { $0[path: "state", "waiting", "reason"]?.stringValue }.first
            let phase = status?["phase"]?.stringValue?.lowercased() ?? "pending"
            let ready = (status?["conditions"]?.arrayValue ?? []).contains {
                $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
            }
            return ReplicaView(
                service: labels[Labels.component] ?? "?", index: numbers[pod.metadataName ?? ""] ?? 0,
                release: labels[Labels.version].flatMap { Int($0.dropFirst()) } ?? 0,
                containerId: pod.metadataName ?? "?", state: waiting == "CrashLoopBackOff" ? "crashloop" : (waiting?.lowercased() ?? phase),
                ready: ready, hostPort: nil,
                restarts: containers.reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) },
                startedAt: status?["startTime"]?.stringValue.flatMap(Self.parseTime),
                node: pod[path: "spec", "nodeName"]?.stringValue)
        }
        return views.sorted { ($0.release, $0.service, $0.index) < ($1.release, $1.service, $1.index) }
    }

    /// A process type's pod, not a Job's.
    static func isReplica(_ pod: JSONValue) -> Bool {
        let labels = pod.labels
        return labels[Labels.component] != nil && labels[Labels.component] != "release" && labels["job-name"] == nil
            && labels["batch.kubernetes.io/job-name"] == nil
    }

    /// Pods have no index, so replicas are numbered from 1 per process type and release, oldest
    /// pod first (creationTimestamp, then name): `slipway ps` shows `web.1`, `web.2` and
    /// `slipway logs` prefixes those pods' lines the same way. Pod name -> number.
    static func replicaNumbers(_ pods: [JSONValue]) -> [String: Int] {
        let groups = Dictionary(grouping: pods.filter(isReplica)) { "\($0.labels[Labels.component] ?? "")/\($0.labels[Labels.version] ?? "")" }
        var numbers: [String: Int] = [:]
        for group in groups.values {
            // RFC 3339 UTC times (`2026-01-02T03:04:05Z`) sort as strings.
            let ordered = group.sorted {
                ($0[path: "metadata", "creationTimestamp"]?.stringValue ?? "", $0.metadataName ?? "")
                    < ($1[path: "metadata", "creationTimestamp"]?.stringValue ?? "", $1.metadataName ?? "")
            }
            for (offset, pod) in ordered.enumerated() { numbers[pod.metadataName ?? ""] = offset + 1 }
        }
        return numbers
    }

    /// Follows the log of every running Slipway pod in the cluster (pods seen by a watch across
    /// namespaces), until cancelled. Lines are prefixed with the process, `web.1`.
    public func collectLogs(resumeAfter: @escaping @Sendable (String) -> Date?,
                            deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async {
        let client = self.client
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            var following: Set<String> = []
            while !Task.isCancelled {
                do {
                    let events = try await client.watch(.pod, namespace: nil,
                                                        options: WatchOptions(labelSelector: "\(Labels.managedBy)=\(Labels.managedByValue)"))
                    for try await event in events where event.type == .added || event.type == .modified {
                        let pod = event.object
                        guard let name = pod.metadataName, let namespace = pod.metadataNamespace,
                              let app = pod.labels[Labels.name], pod.labels[Labels.managedBy] == Labels.managedByValue,
                              let component = pod.labels[Labels.component], Self.isReplica(pod),
                              pod[path: "status", "phase"]?.stringValue == "Running",
                              following.insert("\(namespace)/\(name)").inserted else { continue }
                        let number = await Self.replicaNumber(of: pod, client: client)
                        let process = "\(component).\(number)"
                        let since = resumeAfter(app).map { max(1, Int(Date().timeIntervalSince($0).rounded(.up))) }
                        group.addTask {
                            do {
                                let lines = try await client.podLogs(name: name, namespace: namespace,
                                                                     options: PodLogOptions(follow: true, timestamps: true, sinceSeconds: since))
                                for try await raw in lines {
                                    let line = PodLogLine(line: raw, hasTimestamp: true)
                                    let time = line.timestamp.flatMap(Self.parseTime) ?? Date()
                                    await deliver(app, AppLogLine(time: time, process: process, stream: "stdout", text: line.text))
                                }
                            } catch {
                                logger.debug("pod log ended", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
                            }
                        }
                    }
                } catch {
                    logger.warning("watching pods for logs failed; trying again", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(2))
            }
            group.cancelAll()
        }
    }

    /// The pod's number among its process type's pods of its release, as `slipway ps` shows it
    /// now (a list of its namespace: the watch's first events arrive in no particular order).
    static func replicaNumber(of pod: JSONValue, client: KubernetesClient) async -> Int {
        let labels = pod.labels
        let selector = [Labels.name, Labels.component, Labels.version].compactMap { key in labels[key].map { "\(key)=\($0)" } }
        let siblings = (try? await client.list(.pod, namespace: pod.metadataNamespace, options: ListOptions(labelSelector: selector.joined(separator: ","))))?
            .items.filter { $0.labels[Labels.component] == labels[Labels.component] && $0.labels[Labels.version] == labels[Labels.version]
                && $0.labels[Labels.name] == labels[Labels.name] } ?? []
        let all = siblings.contains { $0.metadataName == pod.metadataName } ? siblings : siblings + [pod]
        return replicaNumbers(all)[pod.metadataName ?? ""] ?? 1
    }

    /// An RFC 3339 time as the API writes it (`2026-01-02T03:04:05Z`, log timestamps with nanoseconds).
    static func parseTime(_ text: String) -> Date? {
        var whole = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: "."), let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            fraction = Double("0" + text[dot..<zone]) ?? 0
            whole = String(text[..<dot]) + String(text[zone...])
        }
        return (try? Date(whole, strategy: .iso8601)).map { $0.addingTimeInterval(fraction) }
    }
}
