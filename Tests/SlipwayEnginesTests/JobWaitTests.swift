import Foundation
import KubernetesAPI
import SlipwayCore
@testable import SlipwayEngines
import SlipwayTestSupport
import Testing

/// The release-phase Job is waited for by list-then-watch: an outcome reached before the watch
/// starts is seen in the list, and a failure reports the container's exit code. Against the
/// scripted API server, so the requests are exact.
@Suite struct JobWaitTests {
    static let job = "shop-release-v3"

    static func jobJSON(status: String) -> String {
        #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"\#(job)","namespace":"slipway-shop","resourceVersion":"41"},"status":\#(status)}"#
    }

    static func wait(answering responses: ScriptedServer.Response...) async throws -> (Int, [ScriptedServer.Request]) {
        try await withScriptedEngine(answering: responses) { engine in
            try await engine.waitForJob(job, namespace: "slipway-shop", timeout: .seconds(10))
        }
    }

    @Test func aJobThatFinishedBeforeTheWatchIsSeenInTheList() async throws {
        let list = #"{"kind":"JobList","apiVersion":"batch/v1","metadata":{"resourceVersion":"42"},"items":[\#(Self.jobJSON(status: #"{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}"#))]}"#
        let (code, requests) = try await Self.wait(answering: .ok(list))
        #expect(code == 0)
        #expect(requests.count == 1)
        #expect(requests.first?.path == "/apis/batch/v1/namespaces/slipway-shop/jobs")
        #expect(requests.first?.query["fieldSelector"] == "metadata.name=\(Self.job)")
        #expect(requests.first?.query["watch"] == nil)
    }

    @Test func aFailedJobReportsItsContainersExitCode() async throws {
        let list = #"{"kind":"JobList","apiVersion":"batch/v1","metadata":{"resourceVersion":"42"},"items":[\#(Self.jobJSON(status: "{}"))]}"#
        let failed = #"{"type":"MODIFIED","object":\#(Self.jobJSON(status: #"{"failed":1,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}"#))}"#
        let pods = #"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"\#(Self.job)-x","labels":{"job-name":"\#(Self.job)"}},"status":{"containerStatuses":[{"name":"release","state":{"terminated":{"exitCode":3}}}]}}]}"#
        let (code, requests) = try await Self.wait(answering: .ok(list), .ok(failed + "\n"), .ok(pods))
        #expect(code == 3)
        #expect(requests.map(\.path) == ["/apis/batch/v1/namespaces/slipway-shop/jobs", "/apis/batch/v1/namespaces/slipway-shop/jobs",
                                         "/api/v1/namespaces/slipway-shop/pods"])
        #expect(requests[1].query["watch"] == "true")
        #expect(requests[1].query["resourceVersion"] == "42", "the watch starts where the list ended")
    }
}
