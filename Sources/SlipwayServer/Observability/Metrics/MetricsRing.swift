/// The newest `capacity` values appended, oldest first: appending to a full ring drops the oldest,
/// so its memory never grows past `capacity` values. It grows as values come (doubling), rather
/// than holding a whole day's room from the start: a hundred new apps' rings reserved up front
/// were about 16 MB of the server's heap before a single minute was stored.
struct MetricsRing<Element: Sendable>: Sendable {
    let capacity: Int
    private var storage: [Element] = []
    /// Where the oldest value is, once the storage is full.
    private var start = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { storage.count }

    var last: Element? { storage.isEmpty ? nil : storage[(start + storage.count - 1) % storage.count] }

    mutating func append(_ element: Element) {
        if storage.count < capacity {
            if storage.count == storage.capacity { storage.reserveCapacity(Swift.min(capacity, Swift.max(8, storage.count * 2))) }
            storage.append(element)
        } else {
            storage[start] = element
            start = (start + 1) % capacity
        }
    }

    /// Oldest first.
    var elements: [Element] { Array(storage[start...] + storage[..<start]) }
}
