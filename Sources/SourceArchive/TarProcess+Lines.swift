import Commands

extension TarProcess {
    /// Runs tar and hands each line of its standard output to `onLine` as tar prints it (see
    /// `Command.forEachLine`): an archive of millions of members is checked without its listing in
    /// memory, and a throw from `onLine` stops tar at the first bad member.
    static func forEachLine(_ arguments: [String], action: String, timeout: Duration = .seconds(600),
                            _ onLine: (Substring) throws -> Void) async throws {
        let command = Command("tar", arguments, environment: ["LC_ALL": "C"], timeout: timeout, outputLimit: 1024 * 1024)
        _ = try await checked(action) { try await command.forEachLine(onLine) }
    }
}
