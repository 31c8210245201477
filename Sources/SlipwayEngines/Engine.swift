import Foundation
import SlipwayCore

/// Where a deploy's log lines go (the deploy log file, and whoever follows it).
public typealias LogSink = @Sendable (String) async -> Void

/// What runs apps. One protocol, two implementations: the local container engine with the
/// built-in router (the embedded default), and later Kubernetes.
public protocol Engine: Sendable {
    /// Builds one image per distinct Dockerfile of `spec` from `workspace` (the build context).
    /// Returns the image id per service name.
    func build(app: AppName, spec: AppSpec, workspace: URL, traceId: String, log: @escaping LogSink) async throws -> [String: String]

    /// Starts the release's replicas beside whatever runs now and waits until each is ready.
    /// On failure it removes what it started and throws; the running release is untouched.
    func startReplicas(of release: Release, log: @escaping LogSink) async throws -> Rollout

    /// Sends traffic to the rollout's replicas, then drains and stops the previous ones.
    func switchTraffic(to rollout: Rollout, log: @escaping LogSink) async throws

    /// Removes what `startReplicas` started, for a deploy that failed after it.
    func abandon(_ rollout: Rollout) async

    /// Removes images a failed deploy built and no release uses.
    func discardImages(_ images: [String]) async

    /// The replicas that run for an app now.
    func replicas(of app: AppName) async throws -> [ReplicaView]

    /// Stops and removes everything of an app and frees its routes.
    func destroy(app: AppName) async throws

    /// After a server start: adopts the replicas of the current releases, routes them again,
    /// and removes Slipway's containers that belong to no current release.
    func restore(currentReleases: [Release]) async throws
}

/// A started, ready set of replicas for one release, not yet receiving traffic.
public struct Rollout: Sendable {
    public var release: Release
    public var replicas: [StartedReplica]
}

public struct StartedReplica: Sendable, Equatable {
    public var service: String
    public var index: Int
    public var containerId: String
    public var hostPort: Int
}
