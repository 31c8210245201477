import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

extension DockerClient {
    /// `POST /containers/create`. Returns the new container's id.
    /// A name already in use throws a `DockerAPIError` with `isNameInUse`.
    public func createContainer(name: String?, spec: ContainerSpec) async throws -> String {
        let created = try await sendForJSON(.createContainer(name: name, spec: spec), as: WireCreateResponse.self)
        logger.debug("created container", metadata: [
            "container.id": .string(created.Id), "container.name": .string(name ?? ""), "image.reference": .string(spec.image),
        ])
        for warning in created.Warnings ?? [] where !warning.isEmpty {
            logger.notice("container engine warning", metadata: ["container.id": .string(created.Id), "warning": .string(warning)])
        }
        return created.Id
    }

    /// `POST /containers/{id}/start`. Starting a running container is not an error (304).
    public func startContainer(_ id: String) async throws {
        try await sendIgnoringBody(.startContainer(id), accepting: [304])
    }

    /// `POST /containers/{id}/stop`: SIGTERM, then SIGKILL after `timeoutSeconds`.
    /// A container that is already stopped (304) or gone (404) is not an error.
    public func stopContainer(_ id: String, timeoutSeconds: Int) async throws {
        // The engine answers only once the container is down, which can take the whole grace period.
        let deadline = TimeAmount.seconds(Int64(max(0, timeoutSeconds))) + Self.shortRequestTimeout
        try await sendIgnoringBody(.stopContainer(id, timeoutSeconds: timeoutSeconds), accepting: [304, 404], timeout: deadline)
    }

    /// `POST /containers/{id}/kill`. A container that is not running throws an error with
    /// `isNotRunning` (409 from Docker, 500 from Podman); callers racing an exit can ignore it.
    public func killContainer(_ id: String, signal: String = "SIGKILL") async throws {
        try await sendIgnoringBody(.killContainer(id, signal: signal))
    }

    /// `DELETE /containers/{id}` (with its anonymous volumes); `force` kills it first if running.
    /// A container that is already gone is not an error.
    public func removeContainer(_ id: String, force: Bool = true) async throws {
        try await sendIgnoringBody(.removeContainer(id, force: force), accepting: [404])
    }

    /// `GET /containers/{id}/json`; nil when there is no such container. `id` may also be a name.
    public func inspectContainer(_ id: String) async throws -> ContainerDetails? {
        try await sendForOptionalJSON(.inspectContainer(id), as: WireContainer.self).map(ContainerDetails.init(wire:))
    }

    /// `GET /containers/json`. `labelFilters` entries are "key=value" or "key" (label present);
    /// a container must match all of them.
    public func listContainers(all: Bool = true, labelFilters: [String] = []) async throws -> [ContainerSummary] {
        try await sendForJSON(.listContainers(all: all, labelFilters: labelFilters), as: [WireContainerSummary].self)
            .map(ContainerSummary.init(wire:))
    }

    /// `POST /containers/{id}/wait`: blocks until the container is no longer running and
    /// returns its exit code (immediately if it already exited, or was never started).
    /// Podman's race on a container that exits at once (`DockerAPIError.isExitRaceOnWait`) is
    /// retried, so a one-off like `echo` does not fail a deploy.
    public func waitContainer(_ id: String) async throws -> Int {
        var attempt = 0
        while true {
            do {
                return try await waitOnce(id)
            } catch let error as DockerAPIError where error.isExitRaceOnWait && attempt < 5 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }

    private func waitOnce(_ id: String) async throws -> Int {
        let answer = try await sendForJSON(.waitContainer(id), as: WireWaitResponse.self, timeout: nil)
        if let message = answer.Error?.Message, !message.isEmpty {
            throw DockerAPIError(statusCode: nil, message: message)
        }
        return answer.StatusCode
    }
}
