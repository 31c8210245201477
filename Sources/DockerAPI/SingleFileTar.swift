import Foundation

/// A tar archive of one regular file, for `PUT /containers/{id}/archive`. The ustar format is
/// simple enough for one file that shelling out to tar for it would cost more than it saves.
enum SingleFileTar {
    static func archive(name: String, contents: Data, mode: Int = 0o600) -> Data {
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
        put(octal(0, width: 8), at: 108, width: 8)  // uid
        put(octal(0, width: 8), at: 116, width: 8)  // gid
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
}

extension DockerClient {
    /// `PUT /containers/{id}/archive`: writes one file into a (created, maybe not started) container.
    public func copyFile(into id: String, directory: String, name: String, contents: Data) async throws {
        let tar = SingleFileTar.archive(name: name, contents: contents)
        try await sendIgnoringBody(.putArchive(id, directory: directory, tar: tar))
    }
}
