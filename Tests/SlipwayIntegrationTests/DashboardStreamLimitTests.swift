import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayTestSupport
import Testing

extension Integration {
    /// The dashboard's live views (event streams) are capped per sign-in and over the server: a real
    /// `slipway server` with `--max-live-views-per-session 3 --max-live-views 4`, two signed-in
    /// sessions opening streams over real connections until they are refused, and a closed stream's
    /// place taken again.
    @Suite("Dashboard live view limits", .serialized)
    struct DashboardStreamLimitTests {
        /// One stream as the browser's EventSource opens it: its status and headers, its body while
        /// it is refused, and the task reading it while it is open (cancelled to close it).
        struct Opened {
            var status: Int
            var retryAfter: String?
            var body: String
            var reader: Task<Void, Never>
        }

        static let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                       configuration: .init(redirectConfiguration: .disallow))

        /// Signs in with the admin token through the sign-in form; returns the session cookie.
        static func signIn(_ server: TestServer) async throws -> String {
            let form = try await client.execute(HTTPClientRequest(url: server.baseURL + "/signin"), timeout: .seconds(30))
            let page = String(buffer: try await form.body.collect(upTo: 1 << 20))
            let signInCookie = try #require(form.headers["set-cookie"].first?.split(separator: ";").first.map(String.init))
            let csrf = try #require(page.range(of: #"name="csrf" value=""#).map { page[$0.upperBound...].prefix { $0 != "\"" } })
            var post = HTTPClientRequest(url: server.baseURL + "/signin")
            post.method = .POST
            post.headers.add(name: "Cookie", value: signInCookie)
            post.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            post.body = .bytes(ByteBuffer(string: "csrf=\(csrf)&next=%2F&token=\(try #require(server.token))"))
            let answer = try await client.execute(post, timeout: .seconds(30))
            #expect(answer.status.code == 303)
            let session = answer.headers["set-cookie"].first { $0.hasPrefix("slipway_session=") }
            return try #require(session?.split(separator: ";").first.map(String.init))
        }

        static func open(_ server: TestServer, _ path: String, cookie: String) async throws -> Opened {
            var request = HTTPClientRequest(url: server.baseURL + path)
            request.headers.add(name: "Cookie", value: cookie)
            request.headers.add(name: "Accept", value: "text/event-stream")
            let (heads, head) = AsyncStream.makeStream(of: (Int, String?, String).self)
            let reader = Task {
                do {
                    let response = try await client.execute(request, timeout: .seconds(300))
                    if response.status == .ok {
                        head.yield((200, nil, ""))
                        for try await _ in response.body {}
                    } else {
                        head.yield((Int(response.status.code), response.headers["retry-after"].first,
                                    String(buffer: try await response.body.collect(upTo: 1 << 20))))
                    }
                } catch {
                    head.yield((-1, nil, "\(error)"))
                }
                head.finish()
            }
            var first = heads.makeAsyncIterator()
            let (status, retryAfter, body) = try #require(await first.next())
            return Opened(status: status, retryAfter: retryAfter, body: body, reader: reader)
        }

        @Test("a sign-in holds at most 3 live views (the 4th is 429 saying why), the server 4 (then 503); a closed one frees its place")
        func tooManyStreamsAreRefused() async throws {
            try await TestServer.with(arguments: ["--max-live-views-per-session", "3", "--max-live-views", "4"]) { server in
                let first = try await Self.signIn(server)
                let second = try await Self.signIn(server)
                var open: [Opened] = []
                defer { for stream in open { stream.reader.cancel() } }
                for path in ["/live", "/live", "/live"] {
                    let stream = try await Self.open(server, path, cookie: first)
                    #expect(stream.status == 200, "\(path): \(stream.status) \(stream.body.prefix(300))")
                    open.append(stream)
                }
                // The session's fourth: refused with the reason and when to try again; the others keep streaming.
                let fourth = try await Self.open(server, "/live", cookie: first)
                #expect(fourth.status == 429, "\(fourth.status)")
                #expect(fourth.body.contains("already follows 3 live views"), "\(fourth.body.prefix(500))")
                #expect(fourth.retryAfter != nil)
                // Another sign-in takes the server's last place; then the server is full for it too.
                let other = try await Self.open(server, "/live", cookie: second)
                #expect(other.status == 200)
                open.append(other)
                let full = try await Self.open(server, "/live", cookie: second)
                #expect(full.status == 503, "\(full.status)")
                #expect(full.body.contains("already serves 4 live views"), "\(full.body.prefix(500))")
                // Closing a tab gives its place back once the server notices (its next write, within 10 s).
                open.removeFirst().reader.cancel()
                var again = try await Self.open(server, "/live", cookie: first)
                let deadline = ContinuousClock.now + .seconds(30)
                while again.status != 200, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(500))
                    again = try await Self.open(server, "/live", cookie: first)
                }
                #expect(again.status == 200, "\(again.status) \(again.body.prefix(300))")
                open.append(again)
                // Without a session: refused before any place is taken.
                #expect(try await Self.open(server, "/live", cookie: "slipway_session=forged").status == 401)
            }
        }
    }
}
