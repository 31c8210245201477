import Foundation
import Glibc

/// The `slipway router` processes of one data directory, found by their command line rather than
/// by DATA/router/router.pid. A router is detached (`setsid -f`) on purpose, so nothing but this
/// stops it after a test: its pid file is written only once it listens (a test that fails while
/// the router is still starting, on a loaded machine, found no pid file and left the router
/// running with its data directory removed), and SIGTERM alone may not end it within the wait.
enum RouterProcesses {
    /// Processes whose arguments hold `router --data DIRECTORY`: the router itself, and the
    /// `setsid`/`sh` stages of one being spawned (the same pid then becomes the router).
    static func pids(data directory: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), pid != getpid(),
                  let bytes = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.count >= 3 else { return nil }
            for index in 0..<(arguments.count - 2)
            where arguments[index] == "router" && arguments[index + 1] == "--data" && arguments[index + 2] == directory {
                return pid
            }
            return nil
        }
    }

    /// Ends every router of `directory`: SIGTERM, SIGKILL to those still there after `grace`; keeps
    /// looking for `settle` afterwards, for one that a server spawned just before it stopped.
    static func stop(data directory: String, grace: Duration = .seconds(10), settle: Duration = .milliseconds(500)) async {
        let deadline = ContinuousClock.now + grace
        let giveUp = deadline + .seconds(10)
        var quietSince = ContinuousClock.now
        var signalled: Set<pid_t> = []
        while ContinuousClock.now < giveUp {
            let found = pids(data: directory)
            if found.isEmpty {
                if ContinuousClock.now - quietSince >= settle { return }
            } else {
                quietSince = ContinuousClock.now
                for pid in found {
                    if !signalled.contains(pid) {
                        kill(pid, SIGTERM)
                        signalled.insert(pid)
                    } else if ContinuousClock.now >= deadline {
                        kill(pid, SIGKILL)
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
