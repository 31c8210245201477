import Commands
import Foundation
import SlipwayTestSupport
import Testing
import TestPorts

extension Integration {
    /// `slipway install-systemd`: units `systemd-analyze verify` accepts, run here as systemd would
    /// run them (no systemd manages services on the test machine): the router outlives the server,
    /// and the server waits for the router its supervisor restarts instead of starting its own.
    @Suite("install-systemd", .serialized)
    struct InstallSystemdTests {
        struct Report: Decodable {
            struct Unit: Decodable { var path: String; var contents: String }
            var written: Bool
            var units: [Unit]
        }

        /// The words of a unit's ExecStart line, unquoted as systemd does.
        static func execStart(_ unit: String) throws -> [String] {
            let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
            var words: [String] = []
            var word: String?
            var characters = line.dropFirst("ExecStart=".count).makeIterator()
            while let character = characters.next() {
                switch (character, word) {
                case ("\"", nil): word = ""
                case ("\"", let current?): words.append(current); word = nil
                case ("\\", _?): word?.append(characters.next() ?? "\\")
                case ("%", _?), ("$", _?): word?.append(character); _ = characters.next()
                case (_, _?): word?.append(character)
                default: break
                }
            }
            return words
        }

        /// curl's view of the router: its HTTP status, or nil when nothing listens.
        static func routerAnswers(_ port: Int) async throws -> String? {
            let answer = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"),
                                              ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-H", "Host: nothing.localhost", "http://127.0.0.1:\(port)/"])
            return answer.status == 0 ? answer.output : nil
        }

        /// Connects to the router, sends part of a request head and no more, and returns the first
        /// line the router answered and how long it took to close.
        static func silentClient(port: Int) async throws -> (answer: String, seconds: Double) {
            let script = """
                import socket, sys, time
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                s.sendall(b"GET / HTTP/1.1\\r\\nHost: nothing.localhost\\r\\n")
                s.settimeout(15)
                start, data = time.time(), b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk: break
                    data += chunk
                print(f"{time.time() - start:.2f}")
                print(data.decode(errors="replace").split("\\r\\n")[0])
                """
            let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, String(port)])
            let lines = result.output.split(separator: "\n").map(String.init)
            guard result.status == 0, lines.count >= 1, let seconds = Double(lines[0]) else { throw TestFailure("silent client: \(result.output)") }
            return (lines.count > 1 ? lines[1] : "", seconds)
        }

        static func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while try await !condition() {
                guard ContinuousClock.now < deadline else { throw TestFailure("\(what) within 30 s") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        @Test("install-systemd writes units systemd-analyze accepts (Restart=always, the router's not stopped with the server's); run as systemd would, the router outlives the server")
        func unitsRunAsSystemdWould() async throws {
            try await TestEngine.requireEngine()
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-systemd-\(UUID().uuidString.prefix(8))")
            let units = root.appendingPathComponent("units")
            let data = root.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: units, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: root) }
            let ports = try TestPorts.next(2)
            let (api, http) = (ports[0], ports[1])

            // Bad input: a clear error, nothing written.
            let relative = try await runCLI(["install-systemd", "--directory", units.path, "--data", "relative/dir"])
            #expect(relative.status != 0 && relative.output.contains("absolute path"), "\(relative.output)")
            let injected = try await runCLI(["install-systemd", "--directory", units.path, "--data", "/var/lib/a\nExecStartPre=/bin/rm -rf /"])
            #expect(injected.status != 0 && injected.output.contains("control characters"), "\(injected.output)")
            let domain = try await runCLI(["install-systemd", "--directory", units.path, "--domain", "a b"])
            #expect(domain.status != 0 && domain.output.contains("--domain takes a DNS name"), "\(domain.output)")
            // After --, an option both units need would reach the server's alone: refused, saying where it goes.
            let split = try await runCLI(["install-systemd", "--directory", units.path, "--", "--domain=apps.example.com"])
            #expect(split.status != 0 && split.output.contains("give --domain to install-systemd itself"), "\(split.output)")
            let inProcess = try await runCLI(["install-systemd", "--directory", units.path, "--", "--in-process-router"])
            #expect(inProcess.status != 0 && inProcess.output.contains("--in-process-router"), "\(inProcess.output)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: units.path).isEmpty)
            let dryRun = try await runCLI(["install-systemd", "--dry-run", "--directory", units.path, "--data", data.path])
            #expect(dryRun.status == 0 && dryRun.output.contains("Restart=always"), "\(dryRun.output)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: units.path).isEmpty, "--dry-run wrote files")

            let written = try await runCLI(["install-systemd", "--directory", units.path, "--data", data.path, "--listen", "127.0.0.1:\(api)",
                                            "--http", "127.0.0.1:\(http)", "--json", "--", "--header-timeout", "1", "--idle-timeout=30",
                                            "--trusted-proxy", "10.0.0.0/8", "--max-connections", "500", "--engine-socket", TestEngine.socketPath])
            #expect(written.status == 0, "\(written.output)")
            let report = try JSONDecoder().decode(Report.self, from: Data(written.output.utf8))
            #expect(report.written && report.units.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["slipway-router.service", "slipway.service"])
            let routerUnit = try String(contentsOf: units.appendingPathComponent("slipway-router.service"), encoding: .utf8)
            let serverUnit = try String(contentsOf: units.appendingPathComponent("slipway.service"), encoding: .utf8)
            for unit in [routerUnit, serverUnit] {
                #expect(unit.contains("\nRestart=always\n"))
                // Nothing that stops the router with the server (or the server with the router).
                #expect(!["BindsTo=", "PartOf=", "Requires=", "Requisite=", "StopPropagatedFrom="].contains { unit.contains($0) }, "\(unit)")
            }
            #expect(serverUnit.contains("Wants=network-online.target slipway-router.service"))
            let mode = try FileManager.default.attributesOfItem(atPath: units.appendingPathComponent("slipway.service").path)[.posixPermissions] as? Int
            #expect(mode == 0o644)
            let verify = try await runProcess(URL(fileURLWithPath: "/usr/bin/systemd-analyze"),
                                              ["verify", units.appendingPathComponent("slipway.service").path, units.appendingPathComponent("slipway-router.service").path])
            #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify: \(verify.output)")

            // Run as systemd would: the router's unit first, then the server's.
            let routerCommand = try Self.execStart(routerUnit)
            let serverCommand = try Self.execStart(serverUnit)
            #expect(serverCommand.contains("--external-router") && serverCommand.suffix(2) == ["--engine-socket", TestEngine.socketPath])
            // The router's options after -- reach the router's unit too (and nothing else of the server's).
            #expect(Array(routerCommand.suffix(7)) == ["--header-timeout", "1", "--idle-timeout=30", "--trusted-proxy", "10.0.0.0/8", "--max-connections", "500"],
                    "\(routerCommand)")
            #expect(!routerCommand.contains("--engine-socket"))
            let startRouter = {
                try await BackgroundCommand.start(Command(routerCommand[0], Array(routerCommand.dropFirst())), log: root.appendingPathComponent("router.log").path)
            }
            var router = try await startRouter()
            try await Self.waitFor("the router unit's process answers") { try await Self.routerAnswers(http) != nil }
            let serverLog = root.appendingPathComponent("server.log")
            let server = try await BackgroundCommand.start(Command(serverCommand[0], Array(serverCommand.dropFirst())), log: serverLog.path)
            let log = { (try? String(contentsOf: serverLog, encoding: .utf8)) ?? "" }
            try await Self.waitFor("the server takes the router over") { log().contains("taking over the running router process") }
            // The router process runs with them: a client that never finishes its request head is
            // answered 408 and closed after --header-timeout 1 (the default is 10 s).
            let silent = try await Self.silentClient(port: http)
            #expect(silent.seconds < 5 && silent.answer.hasPrefix("HTTP/1.1 408"), "\(silent)")

            // The router dies: the server leaves its restart to systemd (no second router of its own).
            await router.kill()
            try await Task.sleep(for: .seconds(1))
            #expect(try await Self.routerAnswers(http) == nil, "the server started a router of its own")
            #expect(log().contains("waiting for its supervisor"), "\(log().suffix(2000))")
            router = try await startRouter()  // Restart=always
            try await Self.waitFor("the restarted router answers") { try await Self.routerAnswers(http) != nil }

            // `systemctl stop slipway`: the router keeps serving.
            await server.stop(grace: .seconds(20))
            #expect(try await Self.routerAnswers(http) == "502", "the router stopped with the server")
            #expect(router.isRunning)
            await router.stop()
        }
    }
}
