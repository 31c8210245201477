import Foundation
import KubernetesAPI
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

    /// Pods of process types (not Jobs' pods) as replicas: numbered per service and release by
    /// name, state from the phase (or the waiting reason, e.g. CrashLoopBackOff), restarts summed.
    static func replicaViews(_ pods: [JSONValue]) -> [ReplicaView] {
        var views: [ReplicaView] = []
        let replicas = pods.filter { $0.labels[Labels.component] != nil && $0.labels[Labels.component] != "release"
            && $0.labels["job-name"] == nil }
        let groups = Dictionary(grouping: replicas) { "\($0.labels[Labels.component] ?? "")/\($0.labels[Labels.version] ?? "")" }
        for (_, group) in groups {
            for (offset, pod) in group.sorted(by: { ($0.metadataName ?? "") < ($1.metadataName ?? "") }).enumerated() {
                let labels = pod.labels
                let status = pod["status"]
                let containers = status?["containerStatuses"]?.arrayValue ?? []
                let waiting = containers.compactMap { $0[path: "state", "waiting", "reason"]?.stringValue }.first
                let phase = status?["phase"]?.stringValue?.lowercased() ?? "pending"
                let ready = (status?["conditions"]?.arrayValue ?? []).contains {
                    $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                }
                views.append(ReplicaView(
                    service: labels[Labels.component] ?? "?", index: offset + 1,
                    release: labels[Labels.version].flatMap { Int($0.dropFirst()) } ?? 0,
                    containerId: pod.metadataName ?? "?", state: waiting == "CrashLoopBackOff" ? "crashloop" : (waiting?.lowercased() ?? phase),
                    ready: ready, hostPort: nil,
                    restarts: containers.reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) },
                    startedAt: status?["startTime"]?.stringValue.flatMap(Self.parseTime),
                    node: pod[path: "spec", "nodeName"]?.stringValue))
            }
        }
        return views.sorted { ($0.release, $0.service, $0.index) < ($1.release, $1.service, $1.index) }
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
                              let component = pod.labels[Labels.component], pod.labels["job-name"] == nil,
                              pod[path: "status", "phase"]?.stringValue == "Running",
                              following.insert("\(namespace)/\(name)").inserted else { continue }
                        let process = "\(component).\(Self.replicaNumber(podName: name))"
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

    /// A short stable number for a pod (its name's random suffix folded), since pods have no index.
    static func replicaNumber(podName: String) -> Int {
        let suffix = podName.split(separator: "-").last.map(String.init) ?? podName
        return Int(suffix.unicodeScalars.reduce(UInt32(0)) { ($0 &* 31 &+ $1.value) } % 100) + 1
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
