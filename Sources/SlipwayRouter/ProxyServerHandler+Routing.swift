import Logging
import NIOCore
import NIOHTTP1

// Routing a request: its Host to a route (ACME challenges, HTTPS redirects and maintenance
// answered here), then to a backend of that route on a pooled or new connection.
extension ProxyServerHandler {
    func requestHeadReceived(_ head: ClientRequestHead) {
        self.exchangeID &+= 1
        self.request = head
        self.requestEnded = false
        self.requestHadBody = false
        self.responseStarted = false
        self.attempts = 0
        self.clientKeepAlive = head.isKeepAlive && !self.quiescing
        self.upgradeRequested = head.isUpgrade && !self.quiescing
        self.requestStart = self.now()
        self.metricsRoute = nil

        if let keyAuthorization = self.challengeTokens.answer(to: head) {
            // An ACME HTTP-01 check: answered (200, once the request is read) by the router itself.
            self.phase = .rejecting(.ok, keyAuthorization)
            return
        }
        if self.role.redirect != nil, let location = self.httpsRedirectLocation(for: head) {
            self.redirectLocation = location
            self.phase = .rejecting(.permanentRedirect, "slipway: this site is served over HTTPS: \(location)")
            return
        }
        let generation = self.routes.generation
        let route: ServiceRoute?
        if generation == self.cachedGeneration && head.host == self.cachedHost {
            route = self.cachedRoute
        } else {
            route = self.routes.snapshot.route(forHost: head.hostString)
            (self.cachedGeneration, self.cachedHost, self.cachedRoute) = (generation, head.host?.detached(), route)
        }
        guard let route else {
            let host = head.hostString
            let shown = host.isEmpty ? "(no Host header)" : RouteTable.normalize(host)
            self.phase = .rejecting(.badGateway, "slipway: no app is routed at \(shown)")
            return
        }
        self.metricsRoute = route
        if let page = route.maintenance {
            self.phase = .maintenance(page)
            return
        }
        guard !route.backends.isEmpty else {
            self.phase = .rejecting(
                .serviceUnavailable,
                route.service.isEmpty ? "slipway: \(route.app) has no ready replicas"
                    : "slipway: \(route.app) has no ready replicas (service \(route.service))")
            return
        }
        self.route = route
        self.backendRequestBuffer.clear()
        self.backendRequest = ProxyHeaders.encodedBackendRequest(
            from: head, clientIP: self.clientIP, trustedPeer: self.clientIsTrustedProxy, scheme: self.role.scheme,
            into: &self.backendRequestBuffer, forwardedLines: &self.forwardedLines)
        self.dispatch(excluding: nil)
    }

    /// Sends the current request to the next backend of its route, on a pooled or new connection.
    func dispatch(excluding failed: Backend?) {
        guard let route = self.route else { return }
        self.attempts += 1
        let state = self.pool.pickBackend(route, excluding: failed)
        self.backendState = state
        self.pool.beginRequest(state)
        if let connection = self.pool.takeIdle(state) {
            self.attach(connection)
            return
        }
        self.phase = .connecting
        let exchangeID = self.exchangeID
        self.pool.connect(state).assumeIsolated().whenComplete { result in
            self.connectCompleted(result, exchangeID: exchangeID, state: state)
        }
    }

    private func connectCompleted(
        _ result: Result<any Channel, any Error>,
        exchangeID: UInt64,
        state: BackendConnectionPool.BackendState
    ) {
        let connection: BackendConnection
        do {
            connection = try self.pool.adopt(try result.get(), state: state)
        } catch {
            guard exchangeID == self.exchangeID, self.phase == .connecting else { return }
            self.logger.debug(
                "could not connect to backend",
                metadata: ["router.backend": "\(state.backend)", "error": "\(error)"])
            self.pool.eject(state.backend)
            self.backendFailed(retryable: true)
            return
        }
        guard exchangeID == self.exchangeID, self.phase == .connecting else {
            // The client left (or the exchange ended) while we connected: keep the fresh connection.
            self.pool.release(connection, state)
            return
        }
        self.attach(connection)
    }

    private func attach(_ connection: BackendConnection) {
        guard let request = self.backendRequest else { return }
        self.connection = connection
        connection.exchange = self
        self.phase = .proxying
        connection.startRequest(request)
        while let part = self.pending.popFirst() {
            connection.write(part)
        }
        connection.flush()
        if self.requestEnded { self.requestFullySent() } else { self.extendDeadline() }
        if connection.isWritable { self.resumeClientReads() }
    }
}
