import Foundation
import Glibc
import SlipwayTestSupport
import Testing

extension Integration {
    /// The test harness' own clean-up: stray `slipway router` processes outlived failed runs. A
    /// router is detached from its server on purpose, and the harness found it by its pid file,
    /// which a router still starting (or one whose file is gone) does not have.
    @Suite("Router processes after a failed test", .serialized)
    struct RouterCleanupTests {
        @Test("a test that fails while its router has no pid file leaves no router process behind")
        func failedTestLeavesNoRouter() async throws {
            var data = ""
            await #expect(throws: TestFailure.self) {
                try await TestServer.with(arguments: ["--standalone-router"]) { server in
                    data = server.dataDirectory.path
                    #expect(!RouterProcesses.pids(data: data).isEmpty, "the server started no router process")
                    // As for a router that has not written it yet: the harness cannot rely on the file.
                    try FileManager.default.removeItem(at: server.dataDirectory.appendingPathComponent("router/router.pid"))
                    throw TestFailure("the test fails here")
                }
            }
            let left = RouterProcesses.pids(data: data)
            for pid in left { kill(pid, SIGKILL) }  // never leave one, even when this test fails
            #expect(left.isEmpty, "router processes of \(data) outlived the test: \(left)")
        }
    }
}
