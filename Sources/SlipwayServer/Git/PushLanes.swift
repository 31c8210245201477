/// One push at a time per app, in the order they asked: a push holds its app's lane from the
/// moment it checks its branch until the branch has moved (or the push was refused), so two pushes
/// at once deploy one after the other and each sees the branch the one before it left.
actor PushLanes {
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    func run<T: Sendable>(_ app: String, _ body: @Sendable () async throws -> T) async rethrows -> T {
        await enter(app)
        defer { leave(app) }
        return try await body()
    }

    /// Whether a push of `app` is under way (the next one will wait for it).
    func isBusy(_ app: String) -> Bool { busy.contains(app) }

    private func enter(_ app: String) async {
        if busy.insert(app).inserted { return }
        await withCheckedContinuation { waiting[app, default: []].append($0) }
    }

    private func leave(_ app: String) {
        if var queue = waiting[app], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[app] = queue.isEmpty ? nil : queue
            next.resume()  // the lane passes on without being freed
        } else {
            busy.remove(app)
        }
    }
}
