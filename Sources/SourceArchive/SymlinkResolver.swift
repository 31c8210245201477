/// Resolves a symlink target the way the kernel would, component by component, following any
/// further links met on the way, and reports whether it ever leaves the root. A purely lexical
/// check is not enough: with `a -> ..` inside `sub/`, the target `sub/a/..` climbs out.
enum SymlinkResolver {
    enum Outcome: Equatable {
        case inside
        case escapes
        case loop
    }

    /// - Parameters:
    ///   - link: the link's own path components relative to the root.
    ///   - target: its target as stored.
    ///   - absoluteInside: maps an absolute target to root-relative components, or nil if it lies outside.
    ///   - readLink: the target of the link at the given root-relative components, or nil if not a link.
    static func resolve(link: [String], target: String,
                        absoluteInside: (String) -> [String]?,
                        readLink: ([String]) -> String?) -> Outcome {
        var stack = Array(link.dropLast())
        var pending: [Substring] = []
        func push(_ target: String) -> Bool {
            let components: [Substring]
            if target.hasPrefix("/") {
                guard let inside = absoluteInside(target) else { return false }
                // Restart from the root and walk the rest, so links inside the path are followed too.
                stack = []
                components = inside.map { Substring($0) }
            } else {
                components = target.split(separator: "/")
            }
            pending.insert(contentsOf: components, at: 0)
            return true
        }
        guard push(target) else { return .escapes }
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." { continue }
            if component == ".." {
                if stack.isEmpty { return .escapes }
                stack.removeLast()
                continue
            }
            stack.append(String(component))
            if let next = readLink(stack) {
                // Linux gives up after 40 links; so do we, calling it a loop.
                hops += 1
                if hops > 40 { return .loop }
                stack.removeLast()
                guard push(next) else { return .escapes }
            }
        }
        return .inside
    }
}
