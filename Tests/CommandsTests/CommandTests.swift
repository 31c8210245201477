import Commands
import Foundation
import Testing

@Suite("Command")
struct CommandTests {
    @Test("a program's exit status and both outputs come back; a failure is a result, not an error")
    func statusAndOutput() async throws {
        let result = try await Command("sh", ["-c", "echo out; echo err >&2; exit 3"]).run()
        #expect(result.exitStatus == 3)
        #expect(!result.succeeded)
        #expect(result.standardOutput == "out\n")
        #expect(result.reason == "err")
        let checked = await #expect(throws: CommandError.self) { try await Command("sh", ["-c", "echo nope >&2; exit 1"]).runChecked() }
        #expect(checked?.kind == .failed)
        #expect(checked?.description.contains("nope") == true)
    }

    @Test("input, working directory and environment reach the program")
    func inputDirectoryEnvironment() async throws {
        let result = try await Command("sh", ["-c", "cat; pwd; echo $SLIPWAY_TEST_VALUE"], environment: ["SLIPWAY_TEST_VALUE": "v1"],
                                       workingDirectory: "/tmp", input: Array("in\n".utf8)).run()
        #expect(result.standardOutput == "in\n/tmp\nv1\n")
    }

    @Test("a program that does not finish in time is stopped with everything it started, and the error says so")
    func timeoutStopsTheProcessGroup() async throws {
        let marker = "slipway-timeout-\(UUID().uuidString)"
        let start = ContinuousClock.now
        // A child in the background and one in front, as git and its remote helper are.
        let error = await #expect(throws: CommandError.self) {
            try await Command("sh", ["-c", "sh -c 'sleep 60; : \(marker)' & sh -c 'sleep 61; : \(marker)'; wait"],
                              timeout: .milliseconds(500)).run()
        }
        #expect(error?.timedOut == true)
        #expect(error?.description.contains("did not finish within") == true)
        // Generous for a loaded CI machine; without a working timeout this takes 60 s.
        #expect(ContinuousClock.now - start < .seconds(30), "the timeout fired late: \(ContinuousClock.now - start)")
        try await expectEventuallyGone(marker)
    }

    @Test("a program that ignores SIGTERM is killed two seconds later")
    func sigkillAfterGrace() async throws {
        let marker = "slipway-stubborn-\(UUID().uuidString)"
        let start = ContinuousClock.now
        await #expect(throws: CommandError.self) {
            try await Command("sh", ["-c", "trap '' TERM; sleep 60; echo \(marker)"], timeout: .milliseconds(300)).run()
        }
        // Without the SIGKILL this takes 60 s; the bound leaves room for a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(30))
        try await expectEventuallyGone(marker)
    }

    @Test("cancelling the task that runs a program stops the program")
    func cancellationStopsTheProgram() async throws {
        let marker = "slipway-cancel-\(UUID().uuidString)"
        let task = Task { try await Command("sh", ["-c", "sleep 60; echo \(marker)"]).run() }
        try await eventually(within: .seconds(20)) { !processes(mentioning: marker).isEmpty }
        task.cancel()
        let outcome = await task.result
        try await expectEventuallyGone(marker, after: "the run ended with \(outcome)")
    }

    @Test("more output than the limit is an error, not a silently cut result")
    func outputLimit() async throws {
        let error = await #expect(throws: CommandError.self) {
            try await Command("sh", ["-c", "yes | head -c 100000"], outputLimit: 1000).run()
        }
        #expect(error?.kind == .outputTooLarge(limit: 1000))
    }

    @Test("a program that is not installed says so")
    func notFound() async throws {
        let error = await #expect(throws: CommandError.self) { try await Command("slipway-no-such-program").run() }
        #expect(error?.kind == .notFound)
        #expect(error?.description.contains("slipway-no-such-program") == true)
    }

    @Test("many programs at once do not take the threads of the cooperative pool")
    func manyAtOnce() async throws {
        // Far more concurrent children than threads: with a blocking wait per child this deadlocks.
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<48 { group.addTask { _ = try await Command("sleep", ["2"]).runChecked() } }
            try await group.waitForAll()
        }
        // A blocking wait per child on this 2-thread pool would take 48 s or never end; without
        // one it takes 2 s plus spawning 48 programs, which took 16 s with the whole suite running.
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}

@Suite("BackgroundCommand")
struct BackgroundCommandTests {
    @Test("runs until stopped, with its output in the log; stop ends it")
    func runsUntilStopped() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-bg-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let marker = "slipway-bg-\(UUID().uuidString)"
        let background = try await BackgroundCommand.start(
            Command("sh", ["-c", "echo started; echo to-stderr >&2; sleep 60; echo \(marker)"]), log: log)
        try await eventually { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("to-stderr") == true }
        #expect(background.isRunning)
        await background.stop()
        #expect(!background.isRunning)
        #expect(background.exit?.signal == SIGTERM)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "started\nto-stderr\n")
        try await expectEventuallyGone(marker)
    }

    @Test("a program that exits by itself is seen to have exited")
    func exitsByItself() async throws {
        let background = try await BackgroundCommand.start(Command("sh", ["-c", "exit 7"]))
        try await eventually { !background.isRunning }
        #expect(background.exit?.exitStatus == 7)
    }

    @Test("kill ends it at once, even when it ignores SIGTERM")
    func kill() async throws {
        let background = try await BackgroundCommand.start(Command("sh", ["-c", "trap '' TERM; sleep 60"]))
        let start = ContinuousClock.now
        await background.kill()
        // At once: far below the 10 s grace a stop gives (3 s of room for a loaded CI machine, where
        // 1 s was once missed by 3 ms).
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(background.exit?.signal == SIGKILL)
    }

    @Test("a program that cannot start is an error from start")
    func cannotStart() async throws {
        await #expect(throws: CommandError.self) { _ = try await BackgroundCommand.start(Command("slipway-no-such-program")) }
    }
}

/// Command lines of running processes that contain `text` (from /proc), zombies excluded.
func processes(mentioning text: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return line.contains(text) ? "\(pid): \(line)" : nil
    }
}

func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(limit)")
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// `after` says how the run ended; with each survivor's signal state from /proc it is what a
/// failure needs to tell a library bug (no signal sent) from a child that ignores or blocks it.
func expectEventuallyGone(_ marker: String, after: String = "") async throws {
    try await eventually(within: .seconds(20)) { processes(mentioning: marker).isEmpty }
    let survivors = processes(mentioning: marker)
    #expect(survivors.isEmpty, "still running \(after): \(survivors.map { "\($0) [\(signalState(of: $0))]" })")
}

/// State, ignored, blocked and pending signals of a `processes(mentioning:)` entry.
func signalState(of entry: String) -> String {
    let pid = entry.prefix { $0.isNumber }
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    return status.split(separator: "\n").filter { line in
        ["State:", "PPid:", "SigIgn:", "SigBlk:", "SigPnd:", "ShdPnd:"].contains { line.hasPrefix($0) }
    }.joined(separator: " ")
}
