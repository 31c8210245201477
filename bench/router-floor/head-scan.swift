// The one piece of HTTP both floor proxies parse, shared so that they do the same work.
#if canImport(Glibc)
import Glibc
#endif

/// The end of a complete head at the start of `bytes` (just past its empty line) and its
/// Content-Length (0 if none), scanning line by line; nil while the head is incomplete.
func completeHead(_ bytes: UnsafeRawBufferPointer) -> (end: Int, contentLength: Int)? {
    guard let base = bytes.baseAddress else { return nil }
    var position = 0
    var contentLength = 0
    while position < bytes.count {
        guard let lf = memchr(base + position, 10, bytes.count - position) else { return nil }
        let lineEnd = base.distance(to: UnsafeRawPointer(lf))
        let line = base.advanced(by: position).assumingMemoryBound(to: CChar.self)
        if lineEnd - position == 1 { return (lineEnd + 1, contentLength) }
        if lineEnd - position > 15 && strncasecmp(line, "content-length:", 15) == 0 {
            contentLength = Int(atoi(line + 15))
        }
        position = lineEnd + 1
    }
    return nil
}
