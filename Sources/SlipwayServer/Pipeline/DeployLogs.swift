import Foundation
import SlipwayCore

/// Each deploy's log (stage lines, build output, failure reasons) as a file under the data
/// directory, so it can be read while the deploy runs and after a restart. Output of the build
/// and the release command stops being kept past `maxBytes` (a marker line says so; the deploy
/// goes on), so a build printing without end cannot fill the disk; stage lines always are.
actor DeployLogs {
    let directory: URL
    private var handles: [String: FileHandle] = [:]
    /// Secret values of the apps a deploy touches: masked in every line written to its log.
    private var masks: [String: SecretMask] = [:]

    let maxBytes: Int
    /// Bytes in each open log, and the logs cut at `maxBytes`.
    private var written: [String: Int] = [:]
    private var truncated: Set<String> = []

    init(directory: URL, maxBytes: Int = RequestLimits().deployLogBytes) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    nonisolated func url(_ traceId: String) -> URL { directory.appendingPathComponent("\(traceId).log") }

    /// A line of output (build, release command): dropped once the log is over `maxBytes`.
    func appendOutput(_ traceId: String, _ text: String) {
        guard !truncated.contains(traceId) else { return }
        if (written[traceId] ?? 0) + text.utf8.count + 1 > maxBytes {
            truncated.insert(traceId)
            append(traceId, "[slipway] the deploy log reached \(maxBytes / 1_048_576) MiB (the server's --max-deploy-log-mb): further build output is not kept; the deploy goes on")
            return
        }
        append(traceId, text)
    }

    /// A line the pipeline writes (stages, outcome): always kept.
    func append(_ traceId: String, _ text: String) {
        let handle: FileHandle
        if let open = handles[traceId] {
            handle = open
        } else {
            let path = url(traceId).path
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            guard let opened = FileHandle(forWritingAtPath: path) else { return }
            written[traceId] = Int(opened.seekToEndOfFile())
            handles[traceId] = opened
            handle = opened
        }
        var line = masks[traceId]?.apply(text) ?? text
        if !line.hasSuffix("\n") { line += "\n" }
        let data = Data(line.utf8)
        handle.write(data)
        written[traceId, default: 0] += data.count
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
        written[traceId] = nil
        truncated.remove(traceId)
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
