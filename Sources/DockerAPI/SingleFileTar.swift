import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A tar archive of one regular file, for `PUT /containers/{id}/archive`. The ustar format is
/// simple enough for one file that shelling out to tar for it would cost more than it saves.
enum SingleFileTar {
    static func archive(name: String, contents: Data, mode: Int = 0o600, owner: FileOwner = .root) -> Data {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> String {
            // width - 1 digits and a NUL, as tar readers expect.
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        put(name, at: 0, width: 100)
        put(octal(mode, width: 8), at: 100, width: 8)
        put(octal(owner.uid, width: 8), at: 108, width: 8)
        put(octal(owner.gid, width: 8), at: 116, width: 8)
        put(octal(contents.count, width: 12), at: 124, width: 12)
        put(octal(Int(Date().timeIntervalSince1970), width: 12), at: 136, width: 12)
        put("        ", at: 148, width: 8)  // checksum field counts as spaces while summing
        header[156] = UInt8(ascii: "0")  // regular file
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(octal(checksum, width: 7) + "\0 ", at: 148, width: 8)
        var archive = Data(header)
        archive.append(contents)
        let padding = (512 - contents.count % 512) % 512
        archive.append(Data(count: padding + 1024))  // pad the file, then two empty blocks end the archive
        return archive
    }

    /// The first regular file's bytes in a tar archive (what `GET /containers/{id}/archive` of one
    /// file answers), nil when the archive holds none.
    static func firstFile(in archive: Data) -> Data? {
        let bytes = [UInt8](archive)
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { return nil }
            let sizeField = header[(offset + 124)..<(offset + 136)].drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
            guard let size = Int(String(decoding: sizeField, as: UTF8.self), radix: 8) else { return nil }
            let type = header[offset + 156]
            let start = offset + 512
            if type == UInt8(ascii: "0") || type == 0 {
                guard start + size <= bytes.count else { return nil }
                return Data(bytes[start..<start + size])
            }
            offset = start + (size + 511) / 512 * 512
        }
        return nil
    }
}

/// Who owns a file written into a container: numeric ids as the container's `/etc/passwd` has them.
public struct FileOwner: Sendable, Equatable {
    public var uid: Int
    public var gid: Int
    public init(uid: Int, gid: Int) {
        (self.uid, self.gid) = (uid, gid)
    }

    public static let root = FileOwner(uid: 0, gid: 0)

    /// The owner named `user` in the text of an `/etc/passwd`, nil if it has no such user.
    public static func named(_ user: String, passwd: String) -> FileOwner? {
        for line in passwd.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, fields[0] == user, let uid = Int(fields[2]), let gid = Int(fields[3]) else { continue }
            return FileOwner(uid: uid, gid: gid)
        }
        return nil
    }
}

extension DockerClient {
    /// `PUT /containers/{id}/archive`: writes one file into a (created, maybe not started) container.
    /// The file is `mode` (0600 unless said) and owned by `owner` (root unless said); the
    /// directories `name` has in it are made as the engine makes them (root, 0755).
    public func copyFile(into id: String, directory: String, name: String, contents: Data, mode: Int = 0o600,
                         owner: FileOwner = .root) async throws {
        let tar = SingleFileTar.archive(name: name, contents: contents, mode: mode, owner: owner)
        try await sendIgnoringBody(.putArchive(id, directory: directory, tar: tar))
    }

    /// `GET /containers/{id}/archive?path=PATH`: one regular file of a (created, maybe not started)
    /// container, at most `limit` bytes of archive; nil when the container has no such file.
    public func readFile(from id: String, path: String, limit: Int = 1 << 20) async throws -> Data? {
        let response = try await send(.getArchive(id, path: path), accepting: [404])
        let body = try await response.body.collect(upTo: limit)
        guard response.status.code != 404 else { return nil }
        return SingleFileTar.firstFile(in: Data(body.readableBytesView))
    }
}
