import Commands
import Foundation
import SlipwayTestSupport

/// A scripted stand-in for an API server (Python's http.server) that refuses what a test
/// tells it to with a Kubernetes Status body, answers every other request with its body
/// (server-side apply echoes the object), and records each request as `METHOD PATH VERSION`
/// (the `app.kubernetes.io/version` label of the body, or `-`), ending in ` dry-run` for a
/// `dryRun=All` request.
final class StubAPIServer: Sendable {
    let process: BackgroundCommand
    let directory: String
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    /// `refuse`: path substring -> (HTTP code, reason, message), for PATCH requests; dry runs
    /// too unless `dryRunsPass` (an object admission accepts in a dry run, then refuses).
    static func start(refuse: [String: (Int, String, String)], dryRunsPass: Bool = false) async throws -> StubAPIServer {
        let directory = NSTemporaryDirectory() + "k8s-stub-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let rules = try JSONSerialization.data(withJSONObject: refuse.mapValues { [$0.0, $0.1, $0.2, dryRunsPass] as [Any] })
        try rules.write(to: URL(fileURLWithPath: "\(directory)/rules.json"))
        try Data(script.utf8).write(to: URL(fileURLWithPath: "\(directory)/stub.py"))
        let process = try await BackgroundCommand.start(Command("/usr/bin/python3", ["\(directory)/stub.py", directory]),
                                                        log: "\(directory)/stderr")
        // Generous: the unit tests run in parallel on a small machine, beside other Python tools.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: "\(directory)/port", encoding: .utf8), let port = Int(text) {
                return StubAPIServer(process: process, directory: directory, port: port)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let running = process.isRunning
        await process.kill()
        let stderr = (try? String(contentsOfFile: "\(directory)/stderr", encoding: .utf8)) ?? ""
        throw TestFailure("the stub API server (/usr/bin/python3) did not start within 60 s; \(running ? "it was still running" : "it had exited"): \(stderr.suffix(2000))")
    }

    private init(process: BackgroundCommand, directory: String, port: Int) {
        self.process = process
        self.directory = directory
        self.port = port
    }

    /// The requests so far, `METHOD PATH VERSION` each.
    var requests: [String] {
        ((try? String(contentsOfFile: "\(directory)/requests.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        // SIGTERM to its process group; the run reaps it in the background.
        process.terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let script = #"""
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

directory = sys.argv[1]
rules = json.load(open(os.path.join(directory, 'rules.json')))

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *args): pass
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        body = json.loads(raw) if raw else {}
        version = ((body.get('metadata') or {}).get('labels') or {}).get('app.kubernetes.io/version', '-') if isinstance(body, dict) else '-'
        dry_run = 'dryRun=All' in self.path
        with open(os.path.join(directory, 'requests.log'), 'a') as log:
            log.write('%s %s %s%s\n' % (self.command, self.path.split('?')[0], version, ' dry-run' if dry_run else ''))
        if self.command == 'PATCH':
            for part, (code, reason, message, dry_runs_pass) in rules.items():
                if part in self.path.split('?')[0] and not (dry_run and dry_runs_pass):
                    return self.answer(code, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
                                              'message': message, 'reason': reason, 'code': code})
        if self.command == 'GET':
            return self.answer(200, {'kind': 'List', 'apiVersion': 'v1', 'metadata': {}, 'items': []})
        self.answer(200, body if body else {'kind': 'Status', 'status': 'Success'})
    do_GET = do_PATCH = do_POST = do_DELETE = do_PUT = handle_any

signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
with open(os.path.join(directory, 'port.tmp'), 'w') as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(directory, 'port.tmp'), os.path.join(directory, 'port'))
server.serve_forever()
"""#
}
