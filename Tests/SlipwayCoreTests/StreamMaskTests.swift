import Foundation
import SlipwayCore
import Testing

@Suite("Masking secrets in a stream of output chunks")
struct StreamMaskTests {
    static let secret = "s3cr3t-value-42"

    /// Feeds `chunks` through one mask and returns everything it let out, the held-back end included.
    static func masked(_ chunks: [String], secrets: [String] = [secret]) -> String {
        var mask = StreamMask(SecretMask(secrets))
        var out = Data()
        for chunk in chunks { out += mask.apply(Data(chunk.utf8)) }
        out += mask.finish()
        return String(decoding: out, as: UTF8.self)
    }

    @Test("a secret in one chunk, and one cut in two or three places, is masked")
    func splitSecret() {
        #expect(Self.masked(["token=\(Self.secret)\n"]) == "token=[redacted]\n")
        #expect(Self.masked(["token=s3cr", "3t-value-42 and more\n"]) == "token=[redacted] and more\n")
        #expect(Self.masked(["s", "3cr3t-val", "ue-42"]) == "[redacted]")
    }

    @Test("text that only looks like a secret's start goes out, at the latest when the stream ends")
    func falseStart() {
        var mask = StreamMask(SecretMask([Self.secret]))
        #expect(String(decoding: mask.apply(Data("prompt> s3c".utf8)), as: UTF8.self) == "prompt> ", "the possible start is held back")
        #expect(String(decoding: mask.apply(Data("ond\n".utf8)), as: UTF8.self) == "s3cond\n", "not a secret: it goes out")
        #expect(String(decoding: mask.apply(Data("s3".utf8)), as: UTF8.self) == "")
        #expect(String(decoding: mask.finish(), as: UTF8.self) == "s3")
    }

    @Test("no secrets: chunks pass unchanged; bytes that are not UTF-8 survive")
    func passThrough() {
        var mask = StreamMask(SecretMask([]))
        let bytes = Data([0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe])
        #expect(mask.apply(bytes) == bytes)
        var masking = StreamMask(SecretMask([Self.secret]))
        #expect(masking.apply(bytes) + masking.finish() == bytes)
    }
}
