import Foundation

/// `SecretMask` over a byte stream cut at arbitrary places (an interactive one-off's output): a
/// secret split across two chunks is still masked. The end of a chunk that could be the start of
/// a secret is held back until the next chunk (or `finish`) tells; everything else goes out at
/// once, so a prompt without a newline is not delayed.
public struct StreamMask: Sendable {
    private let secrets: [[UInt8]]
    private let replacement = Array(Secrets.redacted.utf8)
    private var pending: [UInt8] = []

    public init(_ mask: SecretMask) {
        secrets = mask.values.map { Array($0.utf8) }  // longest first, as SecretMask keeps them
    }

    public var isEmpty: Bool { secrets.isEmpty }

    /// The masked bytes of `chunk` that can go out now.
    public mutating func apply(_ chunk: Data) -> Data {
        guard !secrets.isEmpty else { return chunk }
        let text = pending + Array(chunk)
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = 0
        scan: while index < text.count {
            for secret in secrets where text.count - index >= secret.count && text[index..<index + secret.count].elementsEqual(secret) {
                output += replacement
                index += secret.count
                continue scan
            }
            // Might a secret start here, its rest not arrived yet? Hold back from here on.
            let rest = text[index...]
            if secrets.contains(where: { $0.count > rest.count && $0.starts(with: rest) }) { break }
            output.append(text[index])
            index += 1
        }
        pending = Array(text[index...])
        return Data(output)
    }

    /// What was held back, at the end of the stream (it was no secret).
    public mutating func finish() -> Data {
        defer { pending = [] }
        return Data(pending)
    }
}
