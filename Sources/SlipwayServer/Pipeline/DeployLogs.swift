import Foundation

/// Each deploy's log (stage lines, build output, failure reasons) as a file under the data
/// directory, so it can be read while the deploy runs and after a restart.
actor DeployLogs {
    let directory: URL
    private var handles: [String: FileHandle] = [:]

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    nonisolated func url(_ traceId: String) -> URL { directory.appendingPathComponent("\(traceId).log") }

    func append(_ traceId: String, _ text: String) {
        let handle: FileHandle
        if let open = handles[traceId] {
            handle = open
        } else {
            let path = url(traceId).path
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            guard let opened = FileHandle(forWritingAtPath: path) else { return }
            opened.seekToEndOfFile()
            handles[traceId] = opened
            handle = opened
        }
        var line = text
        if !line.hasSuffix("\n") { line += "\n" }
        handle.write(Data(line.utf8))
    }

    func close(_ traceId: String) {
        try? handles.removeValue(forKey: traceId)?.close()
    }

    /// Reads from `offset` to the current end of the log.
    nonisolated func read(_ traceId: String, from offset: UInt64) -> Data {
        guard let handle = FileHandle(forReadingAtPath: url(traceId).path) else { return Data() }
        defer { try? handle.close() }
        handle.seek(toFileOffset: offset)
        return handle.readDataToEndOfFile()
    }

    /// The last `count` lines, for error summaries.
    nonisolated func tail(_ traceId: String, lines count: Int) -> [String] {
        let text = String(decoding: read(traceId, from: 0), as: UTF8.self)
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).suffix(count + 1).filter { !$0.isEmpty }.suffix(count))
    }
}
