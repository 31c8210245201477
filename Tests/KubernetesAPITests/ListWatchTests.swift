import KubernetesAPI
import KubernetesResources
import NIOHTTP1
import SlipwayTestSupport
import Testing

/// `listAndWatch`: list, watch from the list's resourceVersion, and on `410 Gone` (an ERROR
/// event with an expired version, or the watch's own answer) list and watch again.
@Suite struct ListWatchTests {
    static func deployment(_ name: String, version: String, ready: Int) -> String {
        #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(name)","resourceVersion":"\#(version)"},"status":{"readyReplicas":\#(ready)}}"#
    }

    static func list(version: String, items: [String]) -> ScriptedServer.Response {
        .json(.ok, #"{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"\#(version)"},"items":[\#(items.joined(separator: ","))]}"#)
    }

    @Test func expiredVersionInAnErrorEventListsAndWatchesAgain() async throws {
        try await withServer { server, client in
            let gone = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 100 (180)","reason":"Expired","code":410}}"#
            let bookmark = #"{"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"resourceVersion":"150"}}}"#
            server.script(
                Self.list(version: "100", items: [Self.deployment("web", version: "90", ready: 0)]),
                .json(.ok, bookmark + "\n" + gone + "\n"),
                Self.list(version: "200", items: [Self.deployment("web", version: "190", ready: 1)]),
                .json(.ok, #"{"type":"MODIFIED","object":\#(Self.deployment("web", version: "201", ready: 2))}"# + "\n"))

            let seen = try await withTimeout(seconds: 20, "listAndWatch") { [client] in
                var seen: [String] = []
                try await client.listAndWatch(.deployment, namespace: "slipway-shop", options: ListOptions(labelSelector: "app=shop")) { event in
                    seen.append("\(event.type.rawValue) \(event.object.resourceVersion ?? "-")")
                    return event.object[path: "status", "readyReplicas"]?.intValue == 2
                }
                return seen
            }

            #expect(seen == ["ADDED 90", "ADDED 190", "MODIFIED 201"])
            let requests = server.requests
            #expect(requests.map(\.path) == Array(repeating: "/apis/apps/v1/namespaces/slipway-shop/deployments", count: 4))
            // list, watch from the list's version, list again after the 410, watch from the new version.
            #expect(requests.map { $0.query["watch"] } == [nil, "true", nil, "true"])
            #expect(requests[1].query["resourceVersion"] == "100")
            #expect(requests[3].query["resourceVersion"] == "200")
            #expect(requests.allSatisfy { $0.query["labelSelector"] == "app=shop" })
        }
    }

    @Test func goneAnswerToTheWatchListsAgainAndAWatchTheServerEndsResumes() async throws {
        try await withServer { server, client in
            server.script(
                Self.list(version: "100", items: []),
                .status(410, reason: "Expired", message: "too old resource version: 100 (300)"),
                Self.list(version: "300", items: []),
                // The server ends this watch (timeoutSeconds): resume from the last event's version.
                .json(.ok, #"{"type":"ADDED","object":\#(Self.deployment("web", version: "301", ready: 0))}"# + "\n"),
                .json(.ok, #"{"type":"MODIFIED","object":\#(Self.deployment("web", version: "302", ready: 2))}"# + "\n"))
            try await withTimeout(seconds: 20, "listAndWatch") { [client] in
                try await client.listAndWatch(.deployment, namespace: "slipway-shop") { event in
                    event.object[path: "status", "readyReplicas"]?.intValue == 2
                }
            }
            let requests = server.requests
            #expect(requests.map { $0.query["resourceVersion"] } == [nil, "100", nil, "300", "301"])
        }
    }

    @Test func otherErrorEventsAreThrown() async throws {
        try await withServer { server, client in
            server.script(
                Self.list(version: "100", items: []),
                .json(.ok, #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"internal error","reason":"InternalError","code":500}}"# + "\n"))
            let error = await #expect(throws: KubernetesAPIError.self) {
                try await client.listAndWatch(.deployment, namespace: "slipway-shop") { _ in false }
            }
            #expect(error?.description.contains("internal error") == true, "\(error?.description ?? "")")
        }
    }
}
