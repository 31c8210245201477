import Foundation
import SlipwayCore

/// Add-ons on a cluster are not managed by the server yet: `slipway k8s render` renders them
/// (a StatefulSet with its claim, a headless Service and the credentials Secret) for GitOps.
extension KubernetesEngine {
    static let addonsUnavailable = SlipwayError(
        code: "addons_unavailable",
        message: "add-ons are not managed on --engine kubernetes yet; render them with `slipway k8s render` (StatefulSet, PVC, headless Service, Secret) and apply them with your GitOps tooling",
        httpStatus: 409)

    public func runInteractive(_ release: Release, service: String?, addon: AddonSpec?, command: [String], tty: Bool,
                               input: AsyncStream<InteractiveInput>, output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        throw SlipwayError(code: "interactive_unavailable",
                           message: "interactive commands are not available on --engine kubernetes yet; use `kubectl exec -it` in the app's namespace",
                           httpStatus: 409)
    }

    public func startAddon(_ addon: AddonSpec) async throws { throw Self.addonsUnavailable }

    public func runAddonTool(_ addon: AddonSpec, tool: AddonTool, input: AsyncStream<InteractiveInput>,
                             output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        throw Self.addonsUnavailable
    }

    public func addonStatus(app: AppName) async throws -> [String: AddonStatus] { [:] }

    public func removeAddon(_ addon: AddonSpec, removingVolume: Bool) async throws -> DestroyedVolumes {
        DestroyedVolumes(removed: [], kept: [])
    }
}
