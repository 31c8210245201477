import NIOCore
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// The router frames client requests itself (no NIO decoder): what it accepts, what it refuses, and
/// that it finds the same message boundaries a backend would, whatever way the bytes are split.
struct RequestFramerTests {
    /// What the framer makes of `text`, fed `split` bytes at a time: one line per event.
    private static func events(_ text: String, split: Int = .max) throws -> [String] {
        var framer = RequestFramer()
        var out: [String] = []
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            var buffer = ByteBuffer(bytes: bytes.prefix(split))
            bytes = bytes.dropFirst(split)
            while let event = try framer.next(&buffer) {
                switch event {
                case .head(let head):
                    out.append("head \(head.method.rawValue) \(head.hostString) \(head.bodyFraming) keepAlive=\(head.isKeepAlive)")
                case .body(let data):
                    if let last = out.last, last.hasPrefix("body ") {
                        out[out.count - 1] += String(buffer: data)  // split reads give several parts
                    } else {
                        out.append("body " + String(buffer: data))
                    }
                case .end(let trailers):
                    out.append("end" + (trailers.map { " " + String(buffer: $0) } ?? ""))
                }
            }
        }
        return out
    }

    /// The error the framer raises somewhere in `text`.
    private static func failure(_ text: String) -> HTTPFramingError? {
        do {
            _ = try self.events(text)
            return nil
        } catch {
            return error as? HTTPFramingError
        }
    }

    @Test func framesPipelinedRequestsAlikeWhateverTheReadSizes() throws {
        let text =
            "\r\nGET /a HTTP/1.1\r\nHost: one.localhost\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: Two.localhost:8080\r\nContent-Length: 5\r\n\r\nhello"
            + "PUT /c HTTP/1.1\r\nHost: three\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;name=value\r\nabc\r\n2 \r\nde\r\n0\r\nX-Checksum: 1\r\n\r\n"
            + "GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            + "DELETE /e HTTP/1.1\r\nHost: five\r\nConnection: close\r\n\r\n"
        let expected = [
            "head GET one.localhost length(0) keepAlive=true", "end",
            "head POST Two.localhost:8080 length(5) keepAlive=true", "body hello", "end",
            "head PUT three chunked keepAlive=true", "body abcde", "end X-Checksum: 1\r\n",
            "head GET  length(0) keepAlive=true", "end",
            "head DELETE five length(0) keepAlive=false", "end",
        ]
        for split in [1, 2, 7, 64, Int.max] {
            #expect(try Self.events(text, split: split) == expected, "read \(split) bytes at a time")
        }
    }

    @Test func refusesWhatCouldSmuggleARequestPastTheRouter() {
        let refused: [(String, String)] = [
            ("Content-Length and chunked", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ("two different lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"),
            ("a length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 4\r\n\r\n"),
            ("a signed length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\n"),
            ("a coding after chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            ("chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ("a blank before the colon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n"),
            ("obsolete line folding", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n"),
            ("a bare LF", "GET / HTTP/1.1\nHost: a\r\n\r\n"),
            ("a bare CR", "GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n"),
            ("a control byte in a value", "GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n"),
            ("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            ("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
            ("a space in the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("a chunk size with junk", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n"),
            ("a chunk size ended by a bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"),
            ("chunk data without CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n"),
            ("a trailer line with a bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n"),
            ("not HTTP", "NOT HTTP AT ALL\r\n\r\n"),
        ]
        for (what, text) in refused {
            #expect(Self.failure(text)?.status == .badRequest, "\(what)")
        }
        #expect(Self.failure("PRI * HTTP/2.0\r\n\r\n")?.status == .httpVersionNotSupported)
        #expect(Self.failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status == .notImplemented)
        #expect(Self.failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")?.status == .badRequest)
        let huge = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "a", count: 90 * 1024)
        #expect(Self.failure(huge)?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func acceptsTheSameLengthTwiceAndCaseInsensitiveNames() throws {
        let text = "POST / HTTP/1.1\r\nhOsT: a\r\nContent-Length: 2\r\ncontent-length: 2\r\nTRANSFER-ENCODING-X: y\r\n\r\nok"
        #expect(try Self.events(text) == ["head POST a length(2) keepAlive=true", "body ok", "end"])
    }

    @Test func marksHeadsThatMustBeRewritten() throws {
        func head(_ text: String) throws -> ClientRequestHead {
            try ClientRequestHead(raw: ByteBuffer(string: text))
        }
        #expect(try !head("GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n").needsRewrite)
        #expect(try head("GET / HTTP/1.0\r\n\r\n").needsRewrite)
        #expect(try head("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").needsRewrite)
        #expect(try head("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").needsRewrite)
        #expect(try head("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n").needsRewrite)
        #expect(try head("GET / HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n").needsRewrite)
    }
}
