import Commands
import Foundation
import TestPorts

/// A real BIND (`named`, Debian's bind9) on a loopback port, authoritative for a test zone that
/// accepts RFC 2136 updates signed with a TSIG key (HMAC-SHA256) made for this run. Every name
/// in the zone (and below `apps.` in it) resolves to 127.0.0.1, so pebble pointed at it
/// (`-dnsserver`) validates HTTP-01 against loopback and DNS-01 against the records put there.
///
/// Fails (never skips) when named is missing.
public final class BindHarness: @unchecked Sendable {
    public let directory: URL
    public let zone: String
    public let keyName = "slipway-acme"
    public let secret: String
    public private(set) var port = 0
    private var process: BackgroundCommand?

    /// `rfc2136://KEYNAME:SECRET@127.0.0.1:PORT`, as `slipway server --acme-dns` takes it.
    public var updateURL: String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "rfc2136://\(keyName):\(secret.addingPercentEncoding(withAllowedCharacters: allowed) ?? secret)@127.0.0.1:\(port)"
    }

    public var address: String { "127.0.0.1:\(port)" }

    public static func withBind<T>(zone: String = "slipway.test", _ body: (BindHarness) async throws -> T) async throws -> T {
        let harness = try BindHarness(zone: zone)
        do {
            for attempt in 1...3 {
                do {
                    try await harness.launch()
                    break
                } catch let error as HarnessError where error.portTaken && attempt < 3 {
                    await harness.stopProcess()
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

    private init(zone: String) throws {
        guard PebbleHarness.which("named") != nil else {
            throw HarnessError("named is not installed: run scripts/setup.sh (Debian package bind9)")
        }
        self.zone = zone
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-bind-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    private func launch() async throws {
        port = try TestPorts.next()  // named binds UDP too: a taken UDP port shows as "address already in use", and the start is retried
        let dir = directory.path
        let config = """
            options {
                directory "\(dir)";
                listen-on port \(port) { 127.0.0.1; };
                listen-on-v6 { none; };
                pid-file none;
                session-keyfile "\(dir)/session.key";
                managed-keys-directory "\(dir)";
                recursion no;
                dnssec-validation no;
                allow-query { any; };
                notify no;
            };
            controls { };
            key "\(keyName)" { algorithm hmac-sha256; secret "\(secret)"; };
            zone "\(zone)" { type primary; file "\(dir)/zone.db"; allow-update { key "\(keyName)"; }; };
            """
        let records = """
            $TTL 60
            @ IN SOA ns.\(zone). hostmaster.\(zone). 1 3600 600 86400 60
            @ IN NS ns.\(zone).
            ns IN A 127.0.0.1
            @ IN A 127.0.0.1
            * IN A 127.0.0.1
            *.apps IN A 127.0.0.1

            """
        try Data(config.utf8).write(to: directory.appendingPathComponent("named.conf"))
        try Data(records.utf8).write(to: directory.appendingPathComponent("zone.db"))
        let log = directory.appendingPathComponent("named.log")
        // A retry after a taken port starts on an empty log, so the old "address already in use" is not read again.
        try? FileManager.default.removeItem(at: log)
        // -g: foreground, log to stderr; -n 1: one worker thread (the machine's cores are shared).
        let command = Command(PebbleHarness.which("named") ?? "/usr/sbin/named",
                              ["-g", "-n", "1", "-c", directory.appendingPathComponent("named.conf").path], workingDirectory: directory.path)
        let process = try await BackgroundCommand.start(command, log: log.path)
        self.process = process
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if output.contains("address already in use") {
                throw HarnessError("named found its port taken:\n\(output.suffix(1000))", portTaken: true)
            }
            // The last line of a finished start is "... running" ("running on Linux" comes first).
            if output.split(separator: "\n").contains(where: { $0.hasSuffix(" running") }) { return }
            if !process.isRunning { throw HarnessError("named exited at start; its output:\n\(output.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("named did not start within 30 s; its output:\n\(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(2000))")
    }

    /// named's log so far (for a failing test's message).
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("named.log"), encoding: .utf8)) ?? ""
    }

    func stopProcess() async {
        await process?.stop(grace: .seconds(5))
        process = nil
    }

    public func stop() async {
        await stopProcess()
        try? FileManager.default.removeItem(at: directory)
    }
}
