import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
import SlipwayKubernetes

/// Switching a Deployment to autoscaling without a dip in replicas. Server-side apply removes a
/// field its manager owned and no longer sends: the first apply without `spec.replicas` would
/// drop the Deployment to the default of 1 until the HorizontalPodAutoscaler acts. As the
/// Kubernetes documentation on server-side apply describes ("Transferring ownership"), the
/// current value is applied first under a second field manager, which then keeps the field.
extension KubernetesEngine {
    static let replicasHandoverManager = "slipway-handover-to-hpa"

    /// Applies the live `spec.replicas` of `deployment` under `replicasHandoverManager` when
    /// Slipway's manager applied it before (the first deploy with `autoscale`). Nothing when the
    /// Deployment does not exist yet or the field was handed over already.
    func handOverReplicas(of deployment: KubernetesObject) async throws {
        guard let live = try await client.get(.deployment, name: deployment.name, namespace: deployment.namespace),
              let replicas = live[path: "spec", "replicas"]?.intValue,
              Self.applied(live, field: "replicas", by: client.configuration.fieldManager) else { return }
        let replicasOnly: JSONValue = [
            "apiVersion": .string(KubernetesResource.deployment.apiVersion), "kind": "Deployment",
            "metadata": ["name": .string(deployment.name), "namespace": .string(deployment.namespace ?? "")],
            "spec": ["replicas": .int(Int64(replicas))],
        ]
        _ = try await client.apply(replicasOnly, fieldManager: Self.replicasHandoverManager)
    }

    /// Whether `manager`'s Apply entry in `managedFields` owns `spec.<field>`. A server that
    /// reports no managedFields (an emulator) counts as yes: handing over the current value is
    /// harmless, dropping it is not.
    static func applied(_ object: JSONValue, field: String, by manager: String) -> Bool {
        guard let entries = object[path: "metadata", "managedFields"]?.arrayValue else { return true }
        return entries.contains { entry in
            entry["manager"]?.stringValue == manager && entry["operation"]?.stringValue == "Apply"
                && entry[path: "fieldsV1", "f:spec", "f:\(field)"] != nil
        }
    }
}
