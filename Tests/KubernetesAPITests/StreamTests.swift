import KubernetesAPI
import KubernetesResources
import NIOHTTP1
import SlipwayTestSupport
import Testing

/// Watches and pod logs arrive as streams whose chunks do not line up with events or lines.
@Suite struct StreamTests {
    @Test func watchSendsItsQueryAndParsesEventsSplitAcrossChunks() async throws {
        try await withServer { server, client in
            let added = #"{"type":"ADDED","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","resourceVersion":"101"}}}"#
            let modified = #"{"type":"MODIFIED","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","resourceVersion":"102"},"status":{"readyReplicas":2}}}"#
            let bookmark = #"{"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"resourceVersion":"150"}}}"#
            let gone = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 100 (150)","reason":"Expired","code":410}}"#
            let stream = added + "\n" + modified + "\n" + bookmark + "\n" + gone + "\n"
            let cut1 = stream.index(stream.startIndex, offsetBy: 40)
            let cut2 = stream.index(stream.startIndex, offsetBy: added.count + 1 + modified.count + 10)
            server.script(.init(status: .ok, chunks: [String(stream[..<cut1]), String(stream[cut1..<cut2]), String(stream[cut2...])]))

            let events = try await client.watch(
                .deployment, namespace: "slipway-shop",
                options: WatchOptions(resourceVersion: "100", labelSelector: "app.kubernetes.io/managed-by=slipway", name: "web", timeoutSeconds: 30))
            var received: [KubernetesWatchEvent] = []
            for try await event in events { received.append(event) }

            #expect(received.map(\.type) == [.added, .modified, .bookmark, .error])
            #expect(received[1].object[path: "status", "readyReplicas"] == 2)
            #expect(received[2].object.resourceVersion == "150")
            #expect(received[3].status?.code == 410)
            #expect(received[3].status?.reason == "Expired")
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.path == "/apis/apps/v1/namespaces/slipway-shop/deployments")
            #expect(request.query == [
                "watch": "true", "resourceVersion": "100", "labelSelector": "app.kubernetes.io/managed-by=slipway",
                "fieldSelector": "metadata.name=web", "timeoutSeconds": "30", "allowWatchBookmarks": "true",
            ])
            #expect(request.header("Authorization") == "Bearer s3cr3t-token")
        }
    }

    @Test func watchRefusalIsThrownBeforeTheStream() async throws {
        try await withServer { server, client in
            server.script(.status(403, reason: "Forbidden", message: #"pods is forbidden: User \"alice\" cannot watch resource \"pods\""#))
            let error = await #expect(throws: KubernetesAPIError.self) { _ = try await client.watch(.pod, namespace: "slipway-shop") }
            #expect(error?.description.hasPrefix("the cluster forbids watch on pods in namespace slipway-shop: ") == true)
        }
    }

    @Test func podLogsStreamLineByLine() async throws {
        try await withServer { server, client in
            server.script(.init(
                status: .ok, contentType: "text/plain",
                chunks: ["2024-05-01T10:00:00.000000001Z listening on :8080\n2024-05-01T10:00:01.", "5Z GET / 200\r\n", "2024-05-01T10:00:02Z last line without newline"]))
            let lines = try await client.podLogs(
                name: "web-7d9f-abcde", namespace: "slipway-shop",
                options: PodLogOptions(container: "web", follow: true, timestamps: true, sinceSeconds: 60, tailLines: 100))
            var received: [String] = []
            for try await line in lines { received.append(line) }
            #expect(received == [
                "2024-05-01T10:00:00.000000001Z listening on :8080", "2024-05-01T10:00:01.5Z GET / 200",
                "2024-05-01T10:00:02Z last line without newline",
            ])
            let first = PodLogLine(line: received[0], hasTimestamp: true)
            #expect(first.timestamp == "2024-05-01T10:00:00.000000001Z")
            #expect(first.text == "listening on :8080")
            let request = try #require(server.requests.first)
            #expect(request.path == "/api/v1/namespaces/slipway-shop/pods/web-7d9f-abcde/log")
            #expect(request.query == ["container": "web", "follow": "true", "timestamps": "true", "sinceSeconds": "60", "tailLines": "100"])
        }
    }
}
