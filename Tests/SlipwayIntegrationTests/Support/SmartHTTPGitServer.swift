import Commands
import Foundation
import SlipwayTestSupport

/// git's smart HTTP protocol (the real `git http-backend`, run as CGI) served by python3 on
/// loopback: optionally behind HTTP Basic auth, so credentials are really checked, or answering
/// every request with a redirect to `redirectTo` (a remote that moved, or one that tries to lead
/// a clone and its credentials elsewhere). Every request is recorded (host, method, path and the
/// Authorization header it carried) so a test can see what reached which server.
final class SmartHTTPGitServer: @unchecked Sendable {
    private let process: BackgroundCommand
    private let requestLog: URL
    let port: Int

    /// The request handler. Request bodies come with Content-Length or chunked (git switches to
    /// chunked above http.postBuffer); the child's signal mask is cleared first, because a process
    /// started from the test runner inherits one that blocks SIGTERM.
    private static let script = #"""
    import http.server, subprocess, sys, os, signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.Signals))
    ROOT, PORT, TOKEN, REDIRECT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    class Handler(http.server.BaseHTTPRequestHandler):
        def body(self):
            if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
                data = b''
                while True:
                    size = int(self.rfile.readline().split(b';')[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b'\r\n', b'\n', b''): pass
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get('Content-Length') or 0))
        def reply(self, status, headers, payload=b''):
            self.send_response(status)
            for name, value in headers: self.send_header(name, value)
            self.send_header('Content-Length', str(len(payload))); self.end_headers(); self.wfile.write(payload)
        def handle_git(self):
            with open(LOG, 'a') as log:
                log.write('%s %s %s authorization=%s\n' % (self.headers.get('Host'), self.command, self.path, self.headers.get('Authorization')))
            body = self.body()
            if REDIRECT:
                return self.reply(301, [('Location', REDIRECT + self.path)])
            if TOKEN and self.headers.get('Authorization') != 'Basic ' + TOKEN:
                return self.reply(401, [('WWW-Authenticate', 'Basic realm="git"')])
            path, _, query = self.path.partition('?')
            env = dict(os.environ, GIT_PROJECT_ROOT=ROOT, GIT_HTTP_EXPORT_ALL='1', PATH_INFO=path, QUERY_STRING=query,
                       REQUEST_METHOD=self.command, CONTENT_TYPE=self.headers.get('Content-Type') or '',
                       CONTENT_LENGTH=str(len(body)), HTTP_CONTENT_ENCODING=self.headers.get('Content-Encoding') or '')
            out = subprocess.run(['git', 'http-backend'], input=body, env=env, capture_output=True).stdout
            head, _, payload = out.partition(b'\r\n\r\n')
            status, headers = 200, []
            for line in head.decode().split('\r\n'):
                name, _, value = line.partition(': ')
                if name.lower() == 'status': status = int(value.split()[0])
                elif name: headers.append((name, value))
            self.reply(status, headers, payload)
        do_GET = do_POST = handle_git
        def log_message(self, *args): pass
    http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
    """#

    /// Serves the bare repositories under `root` (`/NAME.git`); with `username`, only to that user
    /// with that password; with `redirectTo` (e.g. `http://localhost:PORT`), redirects everything there.
    init(root: URL, username: String? = nil, password: String = "", redirectTo: String? = nil) async throws {
        port = try freePort()
        requestLog = root.appendingPathComponent("requests-\(port).log")
        FileManager.default.createFile(atPath: requestLog.path, contents: nil)
        let token = username.map { Data("\($0):\(password)".utf8).base64EncodedString() } ?? ""
        process = try await BackgroundCommand.start(
            Command("python3", ["-c", Self.script, root.path, String(port), token, redirectTo ?? "", requestLog.path]))
        try await waitUntilListening()
    }

    /// The requests served so far, one line each: `HOST METHOD PATH authorization=VALUE|None`.
    var requests: [String] {
        ((try? String(contentsOf: requestLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Polls the port (a refused connection means not yet) for up to 10 s.
    private func waitUntilListening() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw TestFailure("the git HTTP server (python3) exited at start") }
            if (try? await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]).status) == 0 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("the git HTTP server did not listen on port \(port) within 10 s")
    }

    /// SIGTERM to the server and its group, without waiting (the script unblocks SIGTERM first);
    /// the run's cancellation ends it for good when the server object goes.
    func stop() {
        process.terminate()
    }
}
