import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import SlipwayRouter
import TestPorts

/// The router as a ServiceLifecycle service, as `slipway server` runs it: a graceful shutdown of
/// the service group drains the requests in flight, within the grace period.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterServiceTests {
    private struct Running {
        let router: Router
        let port: Int
        let group: ServiceGroup
        let task: Task<Void, any Error>
    }

    private static func run(backend: TestBackend, configuration: RouterConfiguration = .init()) async throws -> Running {
        var logger = Logger(label: "test.router-service")
        logger.logLevel = .warning
        let routes = RouteTable()
        routes.setRoutes(app: "drain", services: ["web": [Backend(port: backend.port)]], defaultService: "web")
        let router = Router(host: "127.0.0.1", port: try TestPorts.next(), routes: routes, logger: logger, configuration: configuration)
        let port = try await router.start()
        let group = ServiceGroup(services: [RouterService(router: router)], logger: logger)
        return Running(router: router, port: port, group: group, task: Task { try await group.run() })
    }

    private static func canConnect(port: Int) async -> Bool {
        guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        else { return false }
        try? await channel.close()
        return true
    }

    @Test func gracefulShutdownDrainsTheRequestInFlight() async throws {
        let web = try await TestBackend.start(name: "web")
        let running = try await Self.run(backend: web)
        let idle = try await RawClient.connect(port: running.port)
        try await idle.send("GET / HTTP/1.1\r\nHost: drain.localhost\r\n\r\n")
        #expect(await eventually { idle.text.hasSuffix("\r\n\r\nweb") })
        let busy = try await RawClient.connect(port: running.port)
        let sent = ContinuousClock.now
        try await busy.send("GET /sleep?ms=3000 HTTP/1.1\r\nHost: drain.localhost\r\n\r\n")
        #expect(await eventually { running.router.inFlightRequests(to: Backend(port: web.port)) == 1 })

        let started = ContinuousClock.now
        await running.group.triggerGracefulShutdown()
        // The listener closes at once, and so does the idle keep-alive connection...
        #expect(await eventually { !idle.isOpen })
        #expect(!(await Self.canConnect(port: running.port)))
        #expect(busy.isOpen)
        // ... the service returns once the request in flight has its whole answer.
        try await running.task.value
        // It waited for the answer (due 3 s after the request was sent, long enough for a loaded
        // machine to see it in flight first; counted from the send, not from the shutdown, which
        // such a machine may reach late) and not much longer.
        let sinceSent = ContinuousClock.now - sent
        let took = ContinuousClock.now - started
        #expect(sinceSent >= .milliseconds(2950) && took < .seconds(8), "answered \(sinceSent) after the send, shutdown took \(took)")
        #expect(await eventually { !busy.isOpen })  // and then everything it was sent has arrived
        let response = busy.text.lowercased()
        #expect(response.hasPrefix("http/1.1 200 ok\r\n"))
        #expect(response.contains("connection: close"))
        #expect(response.hasSuffix("\r\n\r\nweb"))
        await web.stop()
    }

    @Test func shutdownClosesWhatOutlivesTheGracePeriod() async throws {
        let web = try await TestBackend.start(name: "web")
        let running = try await Self.run(backend: web, configuration: .init(shutdownGracePeriod: .milliseconds(300)))
        let busy = try await RawClient.connect(port: running.port)
        try await busy.send("GET /sleep?ms=10000 HTTP/1.1\r\nHost: drain.localhost\r\n\r\n")
        #expect(await eventually { running.router.inFlightRequests(to: Backend(port: web.port)) == 1 })

        let started = ContinuousClock.now
        await running.group.triggerGracefulShutdown()
        try await running.task.value
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(await eventually { !busy.isOpen })
        #expect(busy.text.isEmpty)
        #expect(running.router.inFlightRequests(to: Backend(port: web.port)) == 0)
        await web.stop()
    }
}
