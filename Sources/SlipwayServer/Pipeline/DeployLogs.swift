import Foundation
import SlipwayCore

/// Each deploy's log (stage lines, build output, failure reasons) as a file under the data
/// directory, so it can be read while the deploy runs and after a restart.
actor DeployLogs {
    let directory: URL
    private var handles: [String: FileHandle] = [:]
    /// Secret values of the apps a deploy touches: masked in every line written to its log.
    private var masks: [String: SecretMask] = [:]

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
        var line = masks[traceId]?.apply(text) ?? text
        if !line.hasSuffix("\n") { line += "\n" }
        handle.write(Data(line.utf8))
    }

    /// Removes the logs of these deploys (older than the ones kept per app).
    func remove(_ traceIds: [String]) {
        for traceId in traceIds where handles[traceId] == nil {
            try? FileManager.default.removeItem(at: url(traceId))
        }
    }

    nonisolated func exists(_ traceId: String) -> Bool {
        FileManager.default.fileExists(atPath: url(traceId).path)
    }

    func addMask(_ traceId: String, _ mask: SecretMask) {
        guard !mask.isEmpty else { return }
        masks[traceId] = (masks[traceId] ?? SecretMask([])).merging(mask)
    }

    func mask(_ traceId: String, _ text: String) -> String {
        masks[traceId]?.apply(text) ?? text
    }

    func close(_ traceId: String) {
        masks[traceId] = nil
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
