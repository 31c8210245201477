/// The newest `capacity` values appended, oldest first: appending to a full ring drops the oldest,
/// so its memory never grows past what it was made with.
struct MetricsRing<Element: Sendable>: Sendable {
    let capacity: Int
    private var storage: [Element] = []
    /// Where the oldest value is, once the storage is full.
    private var start = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    var count: Int { storage.count }

    var last: Element? { storage.isEmpty ? nil : storage[(start + storage.count - 1) % storage.count] }

    mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[start] = element
            start = (start + 1) % capacity
        }
    }

    /// Oldest first.
    var elements: [Element] { Array(storage[start...] + storage[..<start]) }
}
