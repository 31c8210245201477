import Foundation
import SlipwayCore

/// Each app's recent output on disk, so `slipway logs APP --since 1d` works after the replicas that
/// printed it were replaced: newline-delimited JSON in `<data>/logs/<app>/current.ndjson`, rotated
/// to `1.ndjson` … `N.ndjson` (oldest dropped) so an app never holds more than `maxBytesPerApp`.
actor AppLogStore {
    let directory: URL
    let maxBytesPerApp: Int
    /// current + rotated files; each holds at most maxBytesPerApp / files.
    let files = 5
    private var handles: [String: (handle: FileHandle, size: Int)] = [:]
    private let encoder = Timestamp.encoder()

    init(directory: URL, maxBytesPerApp: Int) throws {
        self.directory = directory
        self.maxBytesPerApp = maxBytesPerApp
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private nonisolated func appDirectory(_ app: String) -> URL { directory.appendingPathComponent(app) }
    private nonisolated func current(_ app: String) -> URL { appDirectory(app).appendingPathComponent("current.ndjson") }
    private nonisolated func rotated(_ app: String, _ index: Int) -> URL { appDirectory(app).appendingPathComponent("\(index).ndjson") }

    func append(_ line: AppLogLine, app: String) {
        guard var data = try? encoder.encode(line) else { return }
        data.append(UInt8(ascii: "\n"))
        guard var open = handle(app) else { return }
        if open.size + data.count > maxBytesPerApp / files && open.size > 0 {
            rotate(app)
            guard let reopened = handle(app) else { return }
            open = reopened
        }
        open.handle.write(data)
        handles[app] = (open.handle, open.size + data.count)
    }

    private func handle(_ app: String) -> (handle: FileHandle, size: Int)? {
        if let open = handles[app] { return open }
        let url = current(app)
        try? FileManager.default.createDirectory(at: appDirectory(app), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: url.path) else { return nil }
        let size = Int(handle.seekToEndOfFile())
        handles[app] = (handle, size)
        return (handle, size)
    }

    private func rotate(_ app: String) {
        try? handles.removeValue(forKey: app)?.handle.close()
        let fileManager = FileManager.default
        try? fileManager.removeItem(at: rotated(app, files - 1))
        for index in stride(from: files - 2, through: 1, by: -1) {
            try? fileManager.moveItem(at: rotated(app, index), to: rotated(app, index + 1))
        }
        try? fileManager.moveItem(at: current(app), to: rotated(app, 1))
    }

    /// Stored lines of `app`, in time order, at or after `since`, of one process type if given,
    /// the last `tail` of them if given.
    func read(app: String, since: Date?, process: String?, tail: Int?) -> [AppLogLine] {
        let decoder = Timestamp.decoder()
        var lines: [AppLogLine] = []
        for url in (1..<files).reversed().map({ rotated(app, $0) }) + [current(app)] {
            guard let data = try? Data(contentsOf: url) else { continue }
            for raw in data.split(separator: UInt8(ascii: "\n")) {
                guard let line = try? decoder.decode(AppLogLine.self, from: raw) else { continue }
                if let since, line.time < since { continue }
                if let process, line.processType != process, line.process != process { continue }
                lines.append(line)
            }
        }
        // Replicas' lines arrive interleaved by delivery; order them by when they were printed (stable sort).
        lines = lines.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        if let tail, lines.count > tail { lines.removeFirst(lines.count - tail) }
        return lines
    }

    /// The time of the newest stored line of `app`, read from the end of the current file.
    nonisolated func lastTime(app: String) -> Date? {
        guard let handle = FileHandle(forReadingAtPath: current(app).path) else { return nil }
        defer { try? handle.close() }
        let size = handle.seekToEndOfFile()
        handle.seek(toFileOffset: size > 65_536 ? size - 65_536 : 0)
        let data = handle.readDataToEndOfFile()
        let decoder = Timestamp.decoder()
        for raw in data.split(separator: UInt8(ascii: "\n")).reversed() {
            if let line = try? decoder.decode(AppLogLine.self, from: raw) { return line.time }
        }
        return nil
    }

    func remove(app: String) {
        try? handles.removeValue(forKey: app)?.handle.close()
        try? FileManager.default.removeItem(at: appDirectory(app))
    }
}
