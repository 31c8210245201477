/// Why a release cannot be rendered: an option or a release value Kubernetes would refuse.
public struct KubernetesRenderError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Reason: Sendable, Equatable {
        case invalidOption(String)
        case invalidRelease(String)
    }

    private let reason: Reason

    /// An option (domain, namespace, ingress class, image) is not usable.
    public static func invalidOption(_ message: String) -> KubernetesRenderError { .init(reason: .invalidOption(message)) }
    /// The release holds something Kubernetes cannot express.
    public static func invalidRelease(_ message: String) -> KubernetesRenderError { .init(reason: .invalidRelease(message)) }

    public var message: String {
        switch reason {
        case .invalidOption(let message), .invalidRelease(let message): message
        }
    }

    public var description: String { message }
}
