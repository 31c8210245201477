// A reverse proxy on raw epoll, no SwiftNIO: the I/O floor of a Swift proxy (see ../README.md).
//
//   swiftc -O -import-objc-header shim.h main.swift ../head-scan.swift -o epoll-proxy
//   epoll-proxy LISTEN_PORT BACKEND_PORT[,BACKEND_PORT...] [THREADS]   (backends on 127.0.0.1)
import Glibc

let arguments = CommandLine.arguments
if arguments.count < 3 || UInt16(arguments[1]) == nil {
    fputs("usage: epoll-proxy LISTEN_PORT BACKEND_PORT[,BACKEND_PORT...] [THREADS]\n", stderr)
    exit(2)
}
let listenPort = UInt16(arguments[1])!
let backendPorts = arguments[2].split(separator: ",").compactMap { UInt16($0) }
let threadCount = arguments.count > 3 ? Int(arguments[3]) ?? 2 : 2
let forwardedLines = Array(
    "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: bench-router.localhost\r\n\r\n".utf8)

func loopback(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

func withSockaddr<T>(_ address: inout sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

func makeNonBlockingNoDelay(_ fd: Int32) {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
}

final class Connection {
    let fd: Int32
    let backendIndex: Int?  // nil for a client connection
    var input = [UInt8](repeating: 0, count: 16384)
    var inputCount = 0
    var output: [UInt8] = []
    /// The other side of the exchange under way: the client of a backend connection, or the reverse.
    var peer: Connection?

    init(fd: Int32, backendIndex: Int?) {
        self.fd = fd
        self.backendIndex = backendIndex
        self.output.reserveCapacity(1024)
    }

    /// The end of the complete head in `input` and its Content-Length (see ../head-scan.swift).
    func inputHead() -> (end: Int, contentLength: Int)? {
        self.input.withUnsafeBytes { completeHead(UnsafeRawBufferPointer(rebasing: $0[0..<self.inputCount])) }
    }
}

final class Worker {
    let epoll = epoll_create1(0)
    var connections = [Connection?](repeating: nil, count: 65536)
    var idleBackends: [[Connection]] = Array(repeating: [], count: backendPorts.count)
    var turn = 0
    /// Connections with output, written once all events of this wakeup are handled.
    var toFlush: [Connection] = []

    func watch(_ connection: Connection) {
        self.connections[Int(connection.fd)] = connection
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.data.fd = connection.fd
        epoll_ctl(self.epoll, EPOLL_CTL_ADD, connection.fd, &event)
    }

    func close(_ connection: Connection) {
        self.connections[Int(connection.fd)] = nil
        Glibc.close(connection.fd)
    }

    func nextBackend() -> Connection {
        let index = self.turn % backendPorts.count
        self.turn &+= 1
        if let idle = self.idleBackends[index].popLast() { return idle }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: backendPorts[index])
        _ = withSockaddr(&address) { connect(fd, $0, $1) }  // blocking: loopback connects at once
        makeNonBlockingNoDelay(fd)
        let connection = Connection(fd: fd, backendIndex: index)
        self.watch(connection)
        return connection
    }

    func readable(_ connection: Connection) {
        let count = connection.input.withUnsafeMutableBytes {
            read(connection.fd, $0.baseAddress! + connection.inputCount, $0.count - connection.inputCount)
        }
        if count <= 0 {
            if count < 0 && errno == EAGAIN { return }
            if let peer = connection.peer, peer.backendIndex == nil { self.close(peer) }
            connection.peer?.peer = nil
            self.close(connection)
            return
        }
        connection.inputCount += count
        guard let (end, contentLength) = connection.inputHead() else { return }
        if let index = connection.backendIndex {
            guard connection.inputCount >= end + contentLength, let client = connection.peer else { return }
            client.output.append(contentsOf: connection.input[0..<(end + contentLength)])
            self.toFlush.append(client)
            connection.inputCount = 0
            connection.peer = nil
            client.peer = nil
            self.idleBackends[index].append(connection)
        } else {
            let backend = self.nextBackend()
            backend.peer = connection
            connection.peer = backend
            backend.output.append(contentsOf: connection.input[0..<(end - 2)])  // without the blank line
            backend.output.append(contentsOf: forwardedLines)
            self.toFlush.append(backend)
            connection.inputCount = 0
        }
    }

    func flush() {
        for connection in self.toFlush where !connection.output.isEmpty {
            let written = connection.output.withUnsafeBytes { write(connection.fd, $0.baseAddress!, $0.count) }
            if written != connection.output.count { fputs("epoll-proxy: short write, not handled\n", stderr) }
            connection.output.removeAll(keepingCapacity: true)
        }
        self.toFlush.removeAll(keepingCapacity: true)
    }

    func run() {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: listenPort)
        guard withSockaddr(&address, { bind(listener, $0, $1) }) == 0, listen(listener, 1024) == 0 else {
            fputs("epoll-proxy: cannot listen on port \(listenPort)\n", stderr)
            exit(1)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = listener
        epoll_ctl(self.epoll, EPOLL_CTL_ADD, listener, &event)
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            let ready = epoll_wait(self.epoll, &events, Int32(events.count), -1)
            for i in 0..<max(0, Int(ready)) {
                let fd = events[i].data.fd
                if fd == listener {
                    let client = accept(listener, nil, nil)
                    guard client >= 0 else { continue }
                    makeNonBlockingNoDelay(client)
                    self.watch(Connection(fd: client, backendIndex: nil))
                } else if let connection = self.connections[Int(fd)] {
                    self.readable(connection)
                }
            }
            self.flush()
        }
    }
}

var threads: [pthread_t] = []
for _ in 0..<threadCount {
    var thread = pthread_t()
    pthread_create(&thread, nil, { _ in Worker().run(); return nil }, nil)
    threads.append(thread)
}
for thread in threads { pthread_join(thread, nil) }
