import Foundation
import Glibc

/// The cgroup a build's RUN steps run in (the build's `cgroupparent`), so that a cancelled or
/// timed-out build can be stopped. Docker ends a build when its request is closed; Podman's
/// `/build` (compat and libpod alike, 4.x) does not: the RUN step in progress runs to its end and
/// the build goes on, and no API lists or stops buildah's step containers. Its RUN steps do honour
/// `cgroupparent`, so the server (root, on the engine's host, as the local engine is) kills what
/// runs there; the step then fails and the build ends, its working container removed (`forcerm`).
/// On an engine elsewhere the directory is not found here and nothing is done.
struct BuildCgroup: Sendable {
    /// A name both cgroup drivers accept: a plain directory for `cgroupfs`, a top-level slice for
    /// `systemd` (no `-`, which would nest it).
    let name: String

    init(traceId: String, service: String) {
        let safe = { (text: String) in String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }) }
        name = "slipway_build_\(safe(String(traceId.prefix(12))))_\(safe(String(service.prefix(40)))).slice"
    }

    /// Where the engine asks for it (`cgroupparent`).
    var parent: String { "/" + name }

    /// The cgroup's directories on this host: one per controller (v1, hybrid) and the unified one.
    func directories(root: String = "/sys/fs/cgroup") -> [String] {
        var candidates = [root + "/" + name, root + "/unified/" + name]
        for controller in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            candidates.append(root + "/" + controller + "/" + name)
        }
        return Array(Set(candidates)).filter { FileManager.default.fileExists(atPath: $0 + "/cgroup.procs") }
    }

    /// The processes in the cgroup and below it (a systemd-managed engine puts each step in a scope under the slice) now.
    func processes() -> Set<pid_t> {
        var pids: Set<pid_t> = []
        for directory in directories() {
            var files = [directory + "/cgroup.procs"]
            if let below = FileManager.default.enumerator(atPath: directory) {
                for case let path as String in below where path.hasSuffix("/cgroup.procs") { files.append(directory + "/" + path) }
            }
            for file in files {
                let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                for line in text.split(separator: "\n") { if let pid = pid_t(line) { pids.insert(pid) } }
            }
        }
        return pids
    }

    /// SIGKILLs every process in the cgroup, again as new ones appear (the build's next RUN step
    /// starts once the engine has committed the one before, some time after the request was
    /// closed), until it has stayed empty for `quiet` or `limit` has passed. Returns how many it killed.
    @discardableResult
    func stopAll(quiet: Duration = .seconds(3), limit: Duration = .seconds(30)) async -> Int {
        let deadline = ContinuousClock.now + limit
        var emptySince = ContinuousClock.now
        var killed = 0
        while ContinuousClock.now < deadline {
            let pids = processes()
            if pids.isEmpty {
                if ContinuousClock.now - emptySince >= quiet { break }
            } else {
                for pid in pids where kill(pid, SIGKILL) == 0 { killed += 1 }
                emptySince = ContinuousClock.now
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return killed
    }
}
