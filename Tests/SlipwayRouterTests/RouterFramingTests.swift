import FoundationEssentials
import NIOCore
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// Responses are passed through as bytes, framed by ResponseFramer: every framing a backend may
/// use reaches the client whole and correctly framed, through real sockets.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterFramingTests {
    static let script: @Sendable (String) -> ScriptedBackend.Answer = { path in
        switch path {
        case "/chunked":  // chunk lines split across reads, an extension, trailers
            return .init(pieces: [
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-backend: s\r\n\r\n5\r",
                "\nhello\r\n", "7;ext=1\r\n, world\r", "\n0\r\nx-trailer: t\r\n", "\r\n",
            ])
        case "/until-close":  // no length: the body ends when the backend closes
            return .init(pieces: ["HTTP/1.1 200 OK\r\nx-backend: s\r\n\r\nfirst ", "second"], close: true)
        case "/no-content":
            return .init(pieces: ["HTTP/1.1 204 No Content\r\nx-backend: s\r\n\r\n"])
        case "/not-modified":  // a 304 carries the length of what it stands for, not a body
            return .init(pieces: ["HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n"])
        case "/head":  // answered to HEAD: a length, no body
            return .init(pieces: ["HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"])
        case "/continue":  // an interim response first
            return .init(pieces: ["HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
        case "/http10":  // an HTTP/1.0 backend without keep-alive
            return .init(pieces: ["HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!"], close: true)
        case "/garbage":
            return .init(pieces: ["NOT HTTP AT ALL\r\n\r\n"])
        default:
            return .init(pieces: ["HTTP/1.1 200 OK\r\nContent-Length: 4\r\nx-backend: s\r\n\r\nplan"])
        }
    }

    /// The responses in `text`, split on status lines (with a leading "HTTP/1.x ").
    private static func responses(_ text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.").dropFirst().map { "HTTP/1." + $0 }
    }

    private func withRouter(_ body: (RouterHarness, ScriptedBackend) async throws -> Void) async throws {
        let backend = try await ScriptedBackend.start(Self.script)
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "f", services: ["web": [Backend(port: backend.port)]], defaultService: "web")
        try await body(harness, backend)
        try await harness.shutdown()
        await backend.stop()
    }

    @Test func passesChunkedBodiesWithTrailersOn() async throws {
        try await self.withRouter { harness, _ in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("GET /chunked HTTP/1.1\r\nHost: f.localhost\r\n\r\nGET / HTTP/1.1\r\nHost: f.localhost\r\n\r\n")
            #expect(await eventually { Self.responses(client.text).count == 2 && client.text.hasSuffix("plan") })
            let first = Self.responses(client.text)[0].lowercased()
            #expect(first.contains("transfer-encoding: chunked\r\n"))
            #expect(first.hasSuffix("\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: t\r\n\r\n"))
            #expect(client.isOpen)
            await client.close()

            // Through a real HTTP client too.
            let response = try await harness.get(host: "f.localhost", path: "/chunked")
            #expect(response.body == "hello, world")
        }
    }

    @Test func turnsACloseDelimitedBodyIntoChunksForHTTP11() async throws {
        try await self.withRouter { harness, _ in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("GET /until-close HTTP/1.1\r\nHost: f.localhost\r\n\r\n")
            #expect(await eventually { client.text.hasSuffix("0\r\n\r\n") })
            let text = client.text.lowercased()
            #expect(text.contains("transfer-encoding: chunked\r\n"))
            // One chunk per read from the backend: "first " and "second" arrive in one read or two.
            let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            #expect(["6\r\nfirst \r\n6\r\nsecond\r\n0\r\n\r\n", "c\r\nfirst second\r\n0\r\n\r\n"].contains(body), "\(body)")
            #expect(client.isOpen)  // the client connection stays usable
            try await client.send("GET / HTTP/1.1\r\nHost: f.localhost\r\n\r\n")
            #expect(await eventually { client.text.hasSuffix("plan") })
            await client.close()
        }
    }

    @Test func givesHTTP10ClientsABodyEndedByTheClose() async throws {
        try await self.withRouter { harness, _ in
            for path in ["/chunked", "/until-close"] {
                let client = try await RawClient.connect(port: harness.port)
                try await client.send("GET \(path) HTTP/1.0\r\nHost: f.localhost\r\n\r\n")
                #expect(await eventually { !client.isOpen })
                let text = client.text
                #expect(text.hasPrefix("HTTP/1.0 200 OK\r\n"))
                #expect(text.lowercased().contains("connection: close\r\n"))
                #expect(!text.lowercased().contains("transfer-encoding"))
                #expect(text.hasSuffix(path == "/chunked" ? "\r\n\r\nhello, world" : "\r\n\r\nfirst second"))
            }
        }
    }

    @Test func sendsNoBodyForHEADOr204Or304() async throws {
        try await self.withRouter { harness, _ in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send(
                "HEAD /head HTTP/1.1\r\nHost: f.localhost\r\n\r\n"
                    + "GET /no-content HTTP/1.1\r\nHost: f.localhost\r\n\r\n"
                    + "GET /not-modified HTTP/1.1\r\nHost: f.localhost\r\n\r\n"
                    + "GET / HTTP/1.1\r\nHost: f.localhost\r\n\r\n")
            #expect(await eventually { Self.responses(client.text).count == 4 && client.text.hasSuffix("plan") })
            let responses = Self.responses(client.text)
            #expect(responses[0] == "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            #expect(responses[1].hasPrefix("HTTP/1.1 204 No Content\r\n") && responses[1].hasSuffix("\r\n\r\n"))
            #expect(responses[2] == "HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n")
            #expect(client.isOpen)
            await client.close()
        }
    }

    @Test func forwardsInterimResponsesAndHTTP10Backends() async throws {
        try await self.withRouter { harness, _ in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("GET /continue HTTP/1.1\r\nHost: f.localhost\r\n\r\nGET /http10 HTTP/1.1\r\nHost: f.localhost\r\n\r\n")
            #expect(await eventually { Self.responses(client.text).count == 3 && client.text.hasSuffix("old!") })
            let responses = Self.responses(client.text)
            #expect(responses[0].hasPrefix("HTTP/1.1 103 Early Hints\r\n"))
            #expect(responses[1].hasPrefix("HTTP/1.1 200 OK\r\n") && responses[1].hasSuffix("\r\n\r\nok"))
            // The HTTP/1.0 backend's answer is re-headed for the HTTP/1.1 client, which stays connected.
            #expect(responses[2].hasPrefix("HTTP/1.1 200 OK\r\n") && responses[2].hasSuffix("\r\n\r\nold!"))
            #expect(client.isOpen)
            await client.close()
        }
    }

    @Test func answers502ForAMalformedResponse() async throws {
        try await self.withRouter { harness, _ in
            let response = try await harness.get(host: "f.localhost", path: "/garbage")
            #expect(response.status == .badGateway)
        }
    }

    @Test func framesByteByByte() throws {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
        var framer = ResponseFramer()
        framer.expectResponse(toHEAD: false)
        var body = ""
        var ended = false
        for byte in response.utf8 {
            var buffer = ByteBuffer(bytes: [byte])
            while let event = try framer.next(&buffer) {
                switch event {
                case .complete:
                    Issue.record("a chunked response is never complete in one event")
                case .head(let head):
                    #expect(head.isChunked && head.hasHopByHop && head.contentLength == nil && head.isKeepAlive)
                case .body(let data): body += String(buffer: data)
                case .end(let trailers):
                    #expect(trailers == nil)
                    ended = true
                }
            }
            #expect(buffer.readableBytes == 0)
        }
        #expect(body == "abc0123456789abcdef")
        #expect(ended && framer.isIdle)
    }

    @Test func givesAWholeResponseThatArrivedInOneReadAsOneSlice() throws {
        let response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        var framer = ResponseFramer()
        framer.expectResponse(toHEAD: false)
        var buffer = ByteBuffer(string: response + "HTTP/1.1")  // stray bytes after it stay unread
        guard case .complete(let head, let message) = try framer.next(&buffer) else {
            Issue.record("expected the whole response")
            return
        }
        #expect(head.contentLength == 5 && String(buffer: head.raw) == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        #expect(String(buffer: message) == response)
        #expect(framer.isIdle && String(buffer: buffer) == "HTTP/1.1")

        // Split before the body's end: head, then body parts, then the end.
        framer.expectResponse(toHEAD: false)
        var events: [String] = []
        for read in [String(response.dropLast(2)), "lo"] {
            var buffer = ByteBuffer(string: read)
            while let event = try framer.next(&buffer) {
                switch event {
                case .complete: events.append("complete")
                case .head: events.append("head")
                case .body(let data): events.append("body " + String(buffer: data))
                case .end: events.append("end")
                }
            }
        }
        #expect(events == ["head", "body hel", "body lo", "end"])
    }

    @Test func keepsTheBackendsReasonPhraseWhenTheHeadIsRewritten() throws {
        let head = try BackendResponseHead(raw: ByteBuffer(string: "HTTP/1.0 299 Fine Thanks\r\nConnection: close\r\n\r\n"))
        #expect(head.status.code == 299 && head.hasHopByHop && !head.isKeepAlive)
        #expect(head.parsed.status.reasonPhrase == "Fine Thanks")
        #expect(head.parsed.headers.map(\.name) == ["Connection"])
    }

    @Test func rejectsMalformedFraming() {
        for response in [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
            "HTTP/2 200\r\n\r\n",
        ] {
            var framer = ResponseFramer()
            framer.expectResponse(toHEAD: false)
            var buffer = ByteBuffer(string: response)
            #expect(throws: HTTPFramingError.self) {
                while try framer.next(&buffer) != nil {}
            }
        }
    }
}
