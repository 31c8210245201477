import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import SlipwayRouter
import Synchronization

/// The server's side of a router running as its own process (`slipway server --standalone-router`).
///
/// The engine and the API keep writing the server's `RouteTable` as before; every change is handed,
/// whole, to the router process over its control socket (see `RouterControl`), which keeps the last
/// table on disk and serves it whether or not a server runs. Nothing is handed over until `release()`
/// (after the engine has adopted the running replicas), so a restarting server never replaces the
/// router's table with its own still-empty one. Checked every `livenessInterval`: a router that died (or was
/// killed) is started again and given the table, noticed within a tenth of a second.
actor RouterLink: BackendDrainer, Service {
    let process: RouterProcess
    let routes: RouteTable
    let logger: Logger
    private let http: HTTPClient
    private let changes: AsyncStream<Void>
    private let changed: AsyncStream<Void>.Continuation
    /// Table changes seen, and the count as of the last table the router acknowledged.
    private let wanted = ChangeCount()
    private var applied = -1
    private var released = false
    private var observerID: Int?
    /// HTTP-01 answers of ACME orders in flight (token -> key authorization), sent again to a
    /// restarted router, which keeps them in memory only.
    var challenges: [String: String] = [:]
    /// The router process stopped answering and nobody here restarts it (`--external-router`).
    private var routerGone = false

    init(process: RouterProcess, routes: RouteTable, logger: Logger) {
        self.process = process
        self.routes = routes
        self.logger = logger
        self.http = HTTPClient(eventLoopGroupProvider: .singleton)
        (self.changes, self.changed) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Finds the data directory's router process, or starts one; refuses one that listens elsewhere.
    func connect() async throws {
        if await accepts(), let status = try? await self.status() {
            try self.check(status)
            logger.info("taking over the running router process", metadata: ["router.pid": "\(status.pid)", "router.http": "\(status.http)"])
            return
        }
        guard process.configuration.externalRouter else { return try await self.startProcess() }
        logger.info("waiting for the router process (--external-router)", metadata: ["router.socket": "\(process.socketPath)"])
        try await waitForProcess(timeout: .seconds(30), failure: "no router process answered at \(process.socketPath) within 30 s (--external-router); start it: systemctl start slipway-router")
    }

    /// From now on the table is the router's: sent now, and after every change.
    func release() {
        guard !released else { return }
        released = true
        let wanted = self.wanted
        let changed = self.changed
        observerID = routes.addObserver {
            wanted.bump()
            changed.yield()
        }
        changed.yield()
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in self.changes { await self.push() } }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.livenessInterval)
                    await self.checkAlive()
                }
            }
            await withGracefulShutdownHandler {
                await group.next()
            } onGracefulShutdown: {
                self.changed.finish()
            }
            group.cancelAll()
        }
        if let observerID { routes.removeObserver(observerID) }
        try? await http.shutdown()
    }

    /// Waits until the router has the current table, then for its requests in flight to `backends`.
    nonisolated func waitUntilDrained(_ backends: [Backend], timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        await self.flush(until: deadline)
        let remaining = deadline - ContinuousClock.now
        let request = DrainRequest(backends: backends, timeoutMilliseconds: max(0, Int(remaining.components.seconds * 1000)))
        guard let body = try? JSONEncoder().encode(request),
              let answer = try? await self.send(.POST, "/drain", body: body, timeout: remaining + .seconds(2)),
              let drained = try? JSONDecoder().decode(DrainResponse.self, from: answer) else { return false }
        return drained.drained
    }

    /// The router process's metrics (Prometheus text), nil when it does not answer.
    nonisolated func metricsText() async -> String? {
        guard let data = try? await send(.GET, "/metrics", body: nil, timeout: .seconds(2)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The router process's requests per app since the last call (for the metrics history); empty
    /// when it does not answer (that interval's requests are then counted in the next one).
    nonisolated func traffic() async -> [String: TrafficSample] {
        guard let data = try? await send(.GET, "/traffic", body: nil, timeout: .seconds(2)) else { return [:] }
        do {
            return try JSONDecoder().decode([String: TrafficSample].self, from: data)
        } catch {
            logger.warning("the router process's traffic is unreadable; this interval shows none", metadata: ["error": "\(error)"])
            return [:]
        }
    }

    /// Returns once the router process has the table as it is now (or `timeout` passed).
    func flush(timeout: Duration) async {
        await flush(until: ContinuousClock.now + timeout)
    }

    // MARK: Internals

    private func flush(until deadline: ContinuousClock.Instant) async {
        let target = wanted.value
        while released, applied < target, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func push() async {
        guard released else { return }
        let version = wanted.value
        guard version > applied else { return }
        do {
            let body = try JSONEncoder().encode(routes.exportRoutes())
            _ = try await send(.PUT, "/routes", body: body, timeout: .seconds(5))
            applied = max(applied, version)
        } catch {
            logger.warning("could not hand the routes to the router process; retrying", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: .milliseconds(200))
            changed.yield()
        }
    }

    /// How often the router process is asked whether it is there: a local socket answers in well
    /// under a millisecond, and a router killed must serve again within a second.
    static let livenessInterval: Duration = .milliseconds(100)

    /// Whether the control socket takes connections: refused at once when no router listens (an
    /// HTTP request would be retried by the client's pool until its timeout, seconds later).
    private nonisolated func accepts() async -> Bool {
        guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(1)).connect(unixDomainSocketPath: process.socketPath).get() else { return false }
        try? await channel.close()
        return true
    }

    private func checkAlive() async {
        guard await !accepts() else {
            if routerGone { await routerBack() }  // restarted by someone else (--external-router)
            return
        }
        try? await Task.sleep(for: .milliseconds(20))  // asked twice before a restart
        guard await !accepts() else { return }
        if process.configuration.externalRouter {
            if !routerGone { logger.error("the router process does not answer; waiting for its supervisor (--external-router) to start it again") }
            routerGone = true
            return
        }
        logger.error("the router process does not answer; starting it again")
        do {
            try await startProcess()
            await routerBack()
        } catch {
            logger.error("could not start the router process", metadata: ["error": "\(error)"])
        }
    }

    /// A new router process has only what it kept on disk: the table and the challenges go again.
    private func routerBack() async {
        routerGone = false
        applied = -1
        changed.yield()
        await resendChallenges()
    }

    private func startProcess() async throws {
        try await process.spawn(logger: logger)
        try await waitForProcess(timeout: .seconds(10), failure: "the router process did not start within 10 s; see \(process.logFile.path)")
    }

    private func waitForProcess(timeout: Duration, failure: String) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await accepts(), let status = try? await status() {
                try check(status)
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ServerStartupError(failure)
    }

    private func check(_ status: RouterProcessStatus) throws {
        guard status.http == process.http, status.domain == routes.domain, status.https == process.https else {
            throw ServerStartupError("a router process (pid \(status.pid)) already serves this data directory with --http \(status.http) --domain \(status.domain) --https \(status.https ?? "(none)"); stop it (kill \(status.pid)) or start the server with the same --http, --https and --domain")
        }
    }

    private func status() async throws -> RouterProcessStatus {
        try JSONDecoder().decode(RouterProcessStatus.self, from: try await send(.GET, "/status", body: nil, timeout: .seconds(2)))
    }

    nonisolated func send(_ method: HTTPMethod, _ path: String, body: Data?, timeout: Duration) async throws -> Data {
        guard let url = URL(httpURLWithSocketPath: process.socketPath, uri: path) else {
            throw ServerStartupError("the router's control socket path \(process.socketPath) is not usable")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "host", value: "localhost")
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                             + timeout.components.attoseconds / 1_000_000_000))
        let bytes = try await response.body.collect(upTo: 16 << 20)  // metrics of many apps
        guard (200..<300).contains(Int(response.status.code)) else {
            throw ServerStartupError("the router process answered \(response.status.code) to \(method) \(path): \(String(buffer: bytes))")
        }
        return Data(bytes.readableBytesView)
    }
}

/// Changes of the route table so far (bumped on the writer's thread by the table's observer).
final class ChangeCount: Sendable {
    private let count = Mutex(0)
    func bump() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
