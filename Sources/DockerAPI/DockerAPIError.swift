/// An error from the container engine, or from reaching it.
///
/// `statusCode` is the HTTP status the engine answered with; it is `nil` when the engine
/// could not be reached or when the failure arrived inside a streamed body (a build step
/// failing is reported in a 200 response). `message` is the engine's own words, so callers
/// can show it to users unchanged.
public struct DockerAPIError: Error, CustomStringConvertible, Sendable, Equatable {
    public var statusCode: Int?
    public var message: String

    public init(statusCode: Int?, message: String) {
        self.statusCode = statusCode
        self.message = message
    }

    /// The container, image or other object does not exist.
    /// Docker answers 404; Podman sometimes answers 500 "... no such container" for a container
    /// removed a moment ago (e.g. starting one that is being removed).
    public var isNotFound: Bool {
        statusCode == 404 || (statusCode == 500 && message.lowercased().contains("no such container"))
    }
    /// The object is in a state that forbids the operation (name in use, container not running...).
    public var isConflict: Bool { statusCode == 409 }
    /// Creating a container under a name another container has. Docker says 409; Podman
    /// says 500, so the engine's wording ("... is already in use ...", the same in both) decides.
    public var isNameInUse: Bool {
        (statusCode == 409 || statusCode == 500) && message.contains("already in use")
    }
    /// Killing (or otherwise signalling) a container that is not running: Docker 409
    /// "... is not running", Podman 500 "can only kill running containers ...".
    public var isNotRunning: Bool {
        (statusCode == 409 || statusCode == 500)
            && (message.contains("is not running") || message.contains("can only kill running"))
    }
    /// Podman up to 4.3 fails a wait (500 "read /proc/PID/cgroup: no such process") when the
    /// container's process exits between opening and reading that file (containers/podman#16383,
    /// fixed in 4.4). The container has stopped by then, so asking again gets its exit code.
    public var isExitRaceOnWait: Bool {
        statusCode == 500 && message.contains("/cgroup: no such process")
    }
    /// The engine did not answer at all (socket missing, connection refused, timed out).
    public var isUnreachable: Bool { statusCode == nil && message.hasPrefix(Self.unreachablePrefix) }

    public var description: String {
        if let statusCode {
            return "container engine error \(statusCode): \(message)"
        }
        return "container engine error: \(message)"
    }

    static let unreachablePrefix = "cannot reach the container engine"

    static func unreachable(socketPath: String, underlying: any Error) -> DockerAPIError {
        DockerAPIError(
            statusCode: nil,
            message: "\(unreachablePrefix) at \(socketPath) (\(underlying)); is Docker or `podman system service` running?"
        )
    }
}
