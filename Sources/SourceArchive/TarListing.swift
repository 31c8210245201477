import Foundation

/// One member of a tar archive as GNU tar's own verbose listing reports it. The checks run on tar's
/// reading of the archive rather than a second parser's, so what is checked is exactly what tar
/// will extract (pax and GNU long-name headers included).
struct TarEntry: Equatable {
    enum Kind: Equatable {
        case regularFile, directory, symlink(target: String), hardLink(target: String), other(Character)
    }
    /// The member name as stored, without a leading `./` or a trailing `/`.
    var path: String
    var kind: Kind
    var size: Int64
}

enum TarListing {
    /// Arguments that make GNU tar print one line per member with C-quoted names, so names holding
    /// spaces, quotes, ` -> ` or newlines still parse unambiguously, and numeric owners (no spaces).
    static let listArguments = ["--list", "--verbose", "--quoting-style=c", "--numeric-owner"]

    /// Parses lines such as
    ///     -rw-r--r-- 0/0   3 2026-01-01 00:08 "./d/a"
    ///     lrwxrwxrwx 0/0   0 2026-01-01 00:08 "./l" -> "d/a"
    ///     hrw-r--r-- 0/0   0 2026-01-01 00:08 "./h" link to "./d/a"
    static func parse(_ output: String) throws -> [TarEntry] {
        var entries: [TarEntry] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            entries.append(try parseLine(Substring(line)))
        }
        return entries
    }

    static func parseLine(_ line: Substring) throws -> TarEntry {
        guard let quote = line.firstIndex(of: "\"") else {
            throw SourceArchiveError("cannot read tar's listing line \"\(line)\"; is this a tar.gz archive made by `slipway deploy`?")
        }
        let fields = line[..<quote].split(whereSeparator: { $0 == " " })
        guard fields.count >= 3, let typeChar = fields[0].first else {
            throw SourceArchiveError("cannot read tar's listing line \"\(line)\"")
        }
        var rest = line[quote...]
        let rawName = try unquote(&rest)
        let name = normalize(rawName)
        let size = Int64(fields[2]) ?? 0
        switch typeChar {
        case "-":
            return TarEntry(path: name, kind: .regularFile, size: size)
        case "d":
            return TarEntry(path: name, kind: .directory, size: 0)
        case "l":
            guard rest.hasPrefix(" -> ") else { throw SourceArchiveError("cannot read the symlink target in \"\(line)\"") }
            rest = rest.dropFirst(4)
            return TarEntry(path: name, kind: .symlink(target: try unquote(&rest)), size: 0)
        case "h":
            guard rest.hasPrefix(" link to ") else { throw SourceArchiveError("cannot read the hard link target in \"\(line)\"") }
            rest = rest.dropFirst(9)
            return TarEntry(path: name, kind: .hardLink(target: normalize(try unquote(&rest))), size: 0)
        default:
            return TarEntry(path: name, kind: .other(typeChar), size: size)
        }
    }

    /// Strips `./` prefixes and a trailing `/`; keeps a leading `/` so absolute names can be refused.
    static func normalize(_ name: String) -> String {
        var result = Substring(name)
        while result.hasPrefix("./") { result = result.dropFirst(2) }
        while result.count > 1 && result.hasSuffix("/") { result = result.dropLast() }
        return result == "." ? "" : String(result)
    }

    /// Reads one C-quoted string (`"a\"b\n\303\251"`) from the front of `text`, consuming it.
    static func unquote(_ text: inout Substring) throws -> String {
        guard text.first == "\"" else { throw SourceArchiveError("expected a quoted name in tar's listing at \"\(text)\"") }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8.dropFirst())[...]
        var consumed = 1
        while let byte = utf8.popFirst() {
            consumed += 1
            if byte == UInt8(ascii: "\"") {
                text = Substring(String(decoding: text.utf8.dropFirst(consumed), as: UTF8.self))
                return String(decoding: bytes, as: UTF8.self)
            }
            guard byte == UInt8(ascii: "\\") else { bytes.append(byte); continue }
            guard let escaped = utf8.popFirst() else { break }
            consumed += 1
            switch escaped {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "v"): bytes.append(0x0B)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "a"): bytes.append(0x07)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                // Octal escapes have up to three digits.
                var value = Int(escaped - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, let next = utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(next) {
                    value = value * 8 + Int(next - UInt8(ascii: "0"))
                    utf8.removeFirst()
                    consumed += 1
                    digits += 1
                }
                bytes.append(UInt8(truncatingIfNeeded: value))
            default:
                bytes.append(escaped)
            }
        }
        throw SourceArchiveError("unterminated quoted name in tar's listing")
    }
}
