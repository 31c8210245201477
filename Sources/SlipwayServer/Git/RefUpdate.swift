import Foundation

/// One ref a push asks to change, as receive-pack hands it to the `proc-receive` hook.
struct RefUpdate: Sendable, Equatable {
    static let zero = String(repeating: "0", count: 40)

    var old: String
    var new: String
    var ref: String

    /// `OLD NEW REF` (gitprotocol-pack's command line); nil for anything else.
    init?(line: String) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, Self.isObjectId(parts[0]), Self.isObjectId(parts[1]), parts[2].hasPrefix("refs/"),
              !parts[2].contains(where: { $0.isWhitespace || $0.isNewline || $0 == "\0" }) else { return nil }
        old = String(parts[0])
        new = String(parts[1])
        ref = String(parts[2])
    }

    init(old: String, new: String, ref: String) {
        self.old = old
        self.new = new
        self.ref = ref
    }

    var isDeletion: Bool { new == Self.zero }
    var isCreation: Bool { old == Self.zero }
    /// `main` of `refs/heads/main`.
    var branch: String? { ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : nil }

    static func isObjectId<S: StringProtocol>(_ text: S) -> Bool {
        text.count == 40 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}

/// What the hook answers receive-pack for one ref: `ok REF`, or `ng REF REASON`, which git shows
/// the pusher as `! [remote rejected] main -> main (REASON)`.
enum RefResult: Sendable, Equatable {
    case ok
    case rejected(String)

    func line(for ref: String) -> String {
        switch self {
        case .ok: return "ok \(ref)"
        case .rejected(let reason):
            // One line, as git prints it in parentheses.
            let flat = reason.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            return "ng \(ref) \(flat.prefix(400))"
        }
    }
}
