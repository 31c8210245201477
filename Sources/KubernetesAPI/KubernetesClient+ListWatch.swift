import Foundation
import KubernetesResources

extension KubernetesClient {
    /// Follows a collection as client-go's informers do: lists it (every object handed to
    /// `handle` as ADDED), then watches from the list's resourceVersion, resuming from the last
    /// event's version when the server ends a watch (`timeoutSeconds`). A `410 Gone` — as the
    /// watch's answer or as an ERROR event (reason Expired): the version was compacted away —
    /// lists again and watches from the new version, so no change is missed. Ends when `handle`
    /// returns `true`; other ERROR events are thrown.
    public func listAndWatch(
        _ resource: KubernetesResource, namespace: String?, options: ListOptions = ListOptions(), timeoutSeconds: Int = 300,
        _ handle: (KubernetesWatchEvent) async throws -> Bool
    ) async throws {
        let operation = KubernetesOperation(verb: "watch", resource: resource, namespace: namespace)
        // nil: list (again) before watching.
        var resourceVersion: String?
        while true {
            try Task.checkCancellation()
            if resourceVersion == nil {
                let list = try await list(resource, namespace: namespace, options: options)
                for item in list.items where try await handle(KubernetesWatchEvent(type: .added, object: item)) { return }
                // "": the server gave no version (an emulator); the watch then starts with the current state.
                resourceVersion = list.resourceVersion ?? ""
            }
            let events: AsyncThrowingStream<KubernetesWatchEvent, any Error>
            do {
                events = try await watch(resource, namespace: namespace, options: WatchOptions(
                    resourceVersion: resourceVersion, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                    timeoutSeconds: timeoutSeconds))
            } catch let error as KubernetesAPIError where error.kind == .gone {
                resourceVersion = nil
                continue
            }
            for try await event in events {
                if let version = event.object.resourceVersion, event.type != .error { resourceVersion = version }
                switch event.type {
                case .bookmark:
                    continue
                case .error:
                    guard let status = event.status, status.code == 410 else {
                        let status = event.status
                        throw KubernetesAPIError(kind: .badResponse, statusCode: status?.code, status: status, operation: operation,
                                                 description: "\(operation) ended with an error: \(status?.message ?? event.object.jsonString)")
                    }
                    resourceVersion = nil
                case .added, .modified, .deleted:
                    if try await handle(event) { return }
                }
                if resourceVersion == nil { break }
            }
        }
    }
}
