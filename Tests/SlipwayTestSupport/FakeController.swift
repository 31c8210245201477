import Foundation
import KubernetesAPI
import KubernetesResources

/// Plays the Deployment and Job controllers against kmock (which fills no `status`): every
/// 100 ms it lists the namespace's Deployments and Jobs and merge-patches their `status` as
/// a real controller would report a finished rollout (or, when `stuck`, a rollout that
/// exceeded its progress deadline) and a succeeded Job (or, when `jobsFail`, one whose
/// container exited with code 3).
package actor FakeController {
    package private(set) var stuck = false
    package private(set) var jobsFail = false
    private var task: Task<Void, Never>?
    package let client: KubernetesClient
    package let namespace: String

    package init(client: KubernetesClient, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    package func setStuck(_ stuck: Bool) { self.stuck = stuck }

    package func setJobsFail(_ fail: Bool) { jobsFail = fail }

    package func start() {
        task = Task { [client, namespace] in
            while !Task.isCancelled {
                let (stuck, jobsFail) = await (self.stuck, self.jobsFail)
                try? await Self.pass(client: client, namespace: namespace, stuck: stuck, jobsFail: jobsFail)
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    package func stop() {
        task?.cancel()
    }

    package static func deploymentStatus(name: String, replicas: Int, stuck: Bool) -> JSONValue {
        let count = JSONValue.int(Int64(replicas))
        if stuck {
            return [
                "observedGeneration": 1, "replicas": count, "updatedReplicas": 0, "availableReplicas": 0, "readyReplicas": 0,
                "conditions": [[
                    "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                    "message": .string("ReplicaSet \"\(name)-7d4b9c\" has timed out progressing."),
                ]],
            ]
        }
        return [
            "observedGeneration": 1, "replicas": count, "updatedReplicas": count, "availableReplicas": count, "readyReplicas": count,
            "conditions": [["type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"]],
        ]
    }

    package static func pass(client: KubernetesClient, namespace: String, stuck: Bool, jobsFail: Bool = false) async throws {
        for deployment in try await client.list(.deployment, namespace: namespace).items {
            guard let name = deployment.metadataName else { continue }
            let wanted = deploymentStatus(name: name, replicas: deployment[path: "spec", "replicas"]?.intValue ?? 1, stuck: stuck)
            if deployment["status"]?.jsonString != wanted.jsonString {
                _ = try await client.mergePatch(.deployment, name: name, namespace: namespace, patch: ["status": wanted], subresource: "status")
            }
        }
        for job in try await client.list(.job, namespace: namespace).items {
            guard let name = job.metadataName, job[path: "status", "succeeded"] == nil, job[path: "status", "failed"] == nil else { continue }
            // The Job controller's pod, finished (kmock answers its log with the pod's JSON).
            let pod: JSONValue = [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string("\(name)-pod"), "namespace": .string(namespace), "labels": ["job-name": .string(name)]],
                "spec": ["containers": [["name": "release", "image": "registry.test/x@sha256:00"]]],
            ]
            _ = try await client.apply(pod)
            let podStatus: JSONValue = jobsFail
                ? ["phase": "Failed", "containerStatuses": [["name": "release", "state": ["terminated": ["exitCode": 3]]]]]
                : ["phase": "Succeeded"]
            _ = try await client.mergePatch(.pod, name: "\(name)-pod", namespace: namespace, patch: ["status": podStatus], subresource: "status")
            let status: JSONValue = jobsFail
                ? ["failed": 1, "conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"]]]
                : ["succeeded": 1, "conditions": [["type": "Complete", "status": "True"]]]
            _ = try await client.mergePatch(.job, name: name, namespace: namespace, patch: ["status": status], subresource: "status")
        }
    }
}
