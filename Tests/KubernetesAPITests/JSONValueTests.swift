import Foundation
import KubernetesAPI
import KubernetesResources
import Testing

@Suite struct JSONValueTests {
    @Test func roundTripsExactly() throws {
        let text = #"{"a":[1,-2,3.5,1e+30,true,false,null,"x\"y/é"],"big":9007199254740993,"nested":{"empty":{},"list":[]}}"#
        let value = try JSONValue(text)
        #expect(value["big"] == .int(9_007_199_254_740_993))
        #expect(value["a"]?[2] == .double(3.5))
        #expect(value["a"]?[6] == .null)
        #expect(try JSONValue(jsonData: value.jsonData()) == value)
        #expect(value.jsonString == text)
    }

    @Test func literalsAndAccessors() {
        var object: JSONValue = ["metadata": ["name": "web", "labels": ["tier": "web"]], "spec": ["replicas": 2, "paused": false]]
        #expect(object.metadataName == "web")
        #expect(object.labels == ["tier": "web"])
        #expect(object[path: "spec", "replicas"]?.intValue == 2)
        #expect(object[path: "spec", "paused"]?.boolValue == false)
        #expect(object[path: "spec", "missing", "deeper"] == nil)
        object["metadata"]?["namespace"] = "shop"
        object["status"] = ["readyReplicas": 1]
        object["spec"]?["paused"] = nil
        #expect(object.metadataNamespace == "shop")
        #expect(object.jsonString == #"{"metadata":{"labels":{"tier":"web"},"name":"web","namespace":"shop"},"spec":{"replicas":2},"status":{"readyReplicas":1}}"#)
    }

    @Test func convertsCodableValues() throws {
        struct Port: Codable, Equatable { var name: String; var port: Int }
        let value = try JSONValue(encoding: Port(name: "http", port: 8080))
        #expect(value == ["name": "http", "port": 8080])
        #expect(try value.decode(Port.self) == Port(name: "http", port: 8080))
    }
}

@Suite struct ResourceTableTests {
    @Test(arguments: [
        (KubernetesResource.namespace, "/api/v1/namespaces/n"),
        (.deployment, "/apis/apps/v1/namespaces/ns/deployments/n"),
        (.service, "/api/v1/namespaces/ns/services/n"),
        (.ingress, "/apis/networking.k8s.io/v1/namespaces/ns/ingresses/n"),
        (.secret, "/api/v1/namespaces/ns/secrets/n"),
        (.configMap, "/api/v1/namespaces/ns/configmaps/n"),
        (.job, "/apis/batch/v1/namespaces/ns/jobs/n"),
        (.horizontalPodAutoscaler, "/apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers/n"),
        (.persistentVolumeClaim, "/api/v1/namespaces/ns/persistentvolumeclaims/n"),
        (.networkPolicy, "/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies/n"),
        (.pod, "/api/v1/namespaces/ns/pods/n"),
        (.replicaSet, "/apis/apps/v1/namespaces/ns/replicasets/n"),
    ])
    func objectPaths(resource: KubernetesResource, path: String) throws {
        #expect(resource.objectPath(name: "n", namespace: "ns") == path)
        #expect(try KubernetesResource.forKind(resource.kind, apiVersion: resource.apiVersion) == resource)
    }

    @Test func collectionsAndSubresources() throws {
        #expect(KubernetesResource.deployment.collectionPath(namespace: nil) == "/apis/apps/v1/deployments")
        #expect(KubernetesResource.namespace.collectionPath(namespace: "ignored") == "/api/v1/namespaces")
        #expect(KubernetesResource.deployment.objectPath(name: "web", namespace: "ns", subresource: "status")
            == "/apis/apps/v1/namespaces/ns/deployments/web/status")
        #expect(KubernetesResource.deployment.qualifiedName == "deployments.apps")
        #expect(throws: KubernetesAPIError.self) { try KubernetesResource.forKind("Deployment", apiVersion: "extensions/v1beta1") }
    }
}
