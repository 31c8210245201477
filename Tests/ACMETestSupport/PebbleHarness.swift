import ACME
import AsyncHTTPClient
import Commands
import Foundation
import NIOHTTP1
import TestPorts
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// A real pebble (Let's Encrypt's RFC 8555 test CA) and pebble-challtestsrv, started for one
/// test on free loopback ports, with a CA and HTTPS certificate made by openssl for pebble's
/// own listener. challtestsrv answers every A query with 127.0.0.1, serves the HTTP-01 bodies
/// and TXT records it is given through its management API, and is pebble's DNS server.
///
/// Fails (never skips) when pebble, pebble-challtestsrv or openssl is missing.
public final class PebbleHarness: @unchecked Sendable {
    public let directory: URL
    public private(set) var directoryURL = ""
    /// Trusts pebble's HTTPS listener (the `--acme-ca-cert` of a real deployment).
    public let caFile: String
    public private(set) var httpPort = 0
    public private(set) var managementURL = ""
    public private(set) var pebbleManagementURL = ""
    private var processes: [BackgroundCommand] = []

    /// - Parameters:
    ///   - httpPort: where pebble validates HTTP-01 (nil: challtestsrv serves it on a free port).
    ///   - nonceRejectPercent: pebble's PEBBLE_WFE_NONCEREJECT (its default is 5).
    ///   - dnsServer: HOST:PORT of the DNS server pebble resolves and validates DNS-01 with (a
    ///     `BindHarness`); nil: challtestsrv's.
    public static func withPebble<T>(
        httpPort: Int? = nil, nonceRejectPercent: Int = 5, dnsServer: String? = nil, _ body: (PebbleHarness) async throws -> T
    ) async throws -> T {
        let harness = try await PebbleHarness()
        do {
            // Ports are free when picked, but another process (or test) may take one before pebble
            // binds it: then the servers start again on other ports.
            for attempt in 1...3 {
                do {
                    try await harness.launch(httpPort: httpPort, nonceRejectPercent: nonceRejectPercent, dnsServer: dnsServer)
                    break
                } catch let error as HarnessError where error.portTaken && attempt < 3 {
                    await harness.stopProcesses()
                }
            }
            let result = try await body(harness)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }

    private init() async throws {
        for tool in ["pebble", "pebble-challtestsrv", "openssl"] where Self.which(tool) == nil {
            throw HarnessError("\(tool) is not installed: run scripts/setup.sh (Debian packages pebble and openssl)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-pebble-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caFile = directory.appendingPathComponent("ca.pem").path
        try await Self.makeCertificates(in: directory)
    }

    private func launch(httpPort: Int?, nonceRejectPercent: Int, dnsServer: String?) async throws {
        let ports = try await Self.freePorts(5)
        let (acmePort, pebbleManagementPort, dnsPort, challengeManagementPort) = (ports[0], ports[1], ports[2], ports[3])
        let serveHTTP01 = httpPort == nil
        self.httpPort = httpPort ?? ports[4]
        directoryURL = "https://127.0.0.1:\(acmePort)/dir"
        managementURL = "http://127.0.0.1:\(challengeManagementPort)"
        pebbleManagementURL = "https://127.0.0.1:\(pebbleManagementPort)"

        try await start(
            "pebble-challtestsrv",
            ["-dns01", "127.0.0.1:\(dnsPort)", "-http01", serveHTTP01 ? "127.0.0.1:\(self.httpPort)" : "", "-https01", "", "-tlsalpn01", "",
             "-management", "127.0.0.1:\(challengeManagementPort)", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
            environment: [:])
        let config = """
            {"pebble": {"listenAddress": "127.0.0.1:\(acmePort)", "managementListenAddress": "127.0.0.1:\(pebbleManagementPort)",
              "certificate": "cert.pem", "privateKey": "key.pem", "httpPort": \(self.httpPort), "tlsPort": \(ports[4] + 1),
              "ocspResponderURL": "", "externalAccountBindingRequired": false}}
            """
        try Data(config.utf8).write(to: directory.appendingPathComponent("pebble.json"))
        try await start(
            "pebble", ["-config", "pebble.json", "-dnsserver", dnsServer ?? "127.0.0.1:\(dnsPort)"],
            environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": String(nonceRejectPercent)])
        try await Self.waitForPort(acmePort, name: "pebble", log: directory.appendingPathComponent("pebble.log"))
        try await Self.waitForPort(challengeManagementPort, name: "pebble-challtestsrv", log: directory.appendingPathComponent("pebble-challtestsrv.log"))
    }

    func stopProcesses() async {
        for process in processes { await process.stop(grace: .seconds(5)) }
        processes = []
    }

    public func stop() async {
        await stopProcesses()
        try? FileManager.default.removeItem(at: directory)
    }

    public func client(contactEmail: String? = "ops@slipway.test", key: ACMEAccountKey = ACMEAccountKey(), trustCA: Bool = true) throws -> ACMEClient {
        var configuration = ACMEClient.Configuration(directoryURL: directoryURL, caCertificateFile: trustCA ? caFile : nil, contactEmail: contactEmail)
        configuration.minPollInterval = .milliseconds(100)
        configuration.pollTimeout = .seconds(60)
        return try ACMEClient(configuration: configuration, accountKey: key, logger: Logger(label: "acme-test"))
    }

    /// Calls challtestsrv's management API (e.g. `add-http01` with token and content).
    public func manage(_ command: String, _ fields: [String: String]) async throws {
        var request = HTTPClientRequest(url: "\(managementURL)/\(command)")
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(fields)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw HarnessError("challtestsrv \(command) answered \(response.status)") }
    }

    /// The root of the certificates pebble issues (made anew at each start), from its management API.
    public func issuingRootPEM() async throws -> String {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(caFile)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(tlsConfiguration: tls))
        do {
            let response = try await client.execute(HTTPClientRequest(url: "\(pebbleManagementURL)/roots/0"), timeout: .seconds(10))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            try await client.shutdown()
            guard response.status == .ok else { throw HarnessError("pebble's /roots/0 answered \(response.status)") }
            return body
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func start(_ tool: String, _ arguments: [String], environment: [String: String]) async throws {
        let log = directory.appendingPathComponent("\(tool).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)  // a fresh log for each launch
        let command = Command(Self.which(tool) ?? tool, arguments, environment: environment, workingDirectory: directory.path)
        processes.append(try await BackgroundCommand.start(command, log: log.path))
    }

    private static func makeCertificates(in directory: URL) async throws {
        let ext = directory.appendingPathComponent("ext.cnf")
        try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\n".utf8).write(to: ext)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "2", "-subj", "/CN=Slipway test pebble CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem", "-out", "pebble.csr",
             "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "pebble.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem",
             "-days", "2", "-extfile", "ext.cnf"],
        ]
        for arguments in steps {
            let result = try await Command(which("openssl") ?? "/usr/bin/openssl", arguments, workingDirectory: directory.path,
                                           timeout: .seconds(60)).run()
            guard result.succeeded else {
                throw HarnessError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (\(result.statusDescription)): \(result.reason)")
            }
        }
    }

    public static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
            let candidate = "\(folder)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Distinct free loopback ports outside the ephemeral range (see `TestPorts`).
    public static func freePorts(_ count: Int) async throws -> [Int] {
        try TestPorts.next(count)
    }

    public static func waitForPort(_ port: Int, name: String, log: URL) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let output = try? String(contentsOf: log, encoding: .utf8), output.contains("address already in use") {
                throw HarnessError("\(name) found a port taken:\n\(output.suffix(1000))", portTaken: true)
            }
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() {
                try? await channel.close()
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw HarnessError("\(name) did not listen on 127.0.0.1:\(port) within 30 s; its output:\n\(output.suffix(2000))")
    }
}
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    /// A server could not bind a port picked for it (someone took it meanwhile): worth another try.
    public let portTaken: Bool
    public init(_ description: String, portTaken: Bool = false) {
        self.description = description
        self.portTaken = portTaken
    }
}

/// Answers challenges through challtestsrv's management API: HTTP-01 bodies it serves on the
/// port pebble validates, TXT records in the DNS pebble asks.
public struct ChallengeTestServerSolver: ACMEChallengeSolver {
    public let harness: PebbleHarness
    public let challengeType: ACMEChallengeType
    /// When false, nothing is published: the server's validation must fail.
    public var publishes = true

    public init(harness: PebbleHarness, challengeType: ACMEChallengeType) {
        self.harness = harness
        self.challengeType = challengeType
    }

    public func present(_ task: ACMEChallengeTask) async throws {
        guard publishes else { return }
        switch challengeType {
        case .http01: try await harness.manage("add-http01", ["token": task.token, "content": task.keyAuthorization])
        case .dns01: try await harness.manage("set-txt", ["host": task.dnsRecordName + ".", "value": task.dnsValue])
        }
    }

    public func cleanUp(_ task: ACMEChallengeTask) async {
        switch challengeType {
        case .http01: try? await harness.manage("del-http01", ["token": task.token])
        case .dns01: try? await harness.manage("clear-txt", ["host": task.dnsRecordName + "."])
        }
    }
}
