/// The values one field allows, as bits 0-63.
struct FieldSet: Sendable, Hashable {
    private(set) var bits: UInt64 = 0

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }
    mutating func insert(_ value: Int) { bits |= 1 << UInt64(value) }
    mutating func remove(_ value: Int) { bits &= ~(1 << UInt64(value)) }
    var values: [Int] { (0..<64).filter(contains) }

    /// The smallest allowed value above `value`, if any.
    func next(after value: Int) -> Int? {
        let above = value >= 63 ? 0 : bits & ~((UInt64(1) << UInt64(value + 1)) - 1)
        return above == 0 ? nil : above.trailingZeroBitCount
    }
}

/// Reads one field: a comma-separated list of `*`, `N`, `A-B`, each optionally `/STEP`.
struct FieldParser {
    let expression: String
    let field: CronField

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    func parse(_ text: String) throws(CronError) -> FieldSet {
        var set = FieldSet()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("\"\(text)\" has an empty list item (write a,b,c with no empty entries)") }
            try add(String(item), to: &set)
        }
        return set
    }

    private func add(_ item: String, to set: inout FieldSet) throws(CronError) {
        let slash = item.split(separator: "/", omittingEmptySubsequences: false)
        guard slash.count <= 2 else { throw fail("\"\(item)\" has more than one `/`") }
        var step = 1
        if slash.count == 2 {
            guard let n = Int(slash[1]), n > 0 else {
                throw fail("\"\(item)\" has step \"\(slash[1])\": a step must be a whole number above 0")
            }
            guard n <= field.allowed.upperBound else {
                throw fail("\"\(item)\" has step \(n), larger than the field's range (\(field.hint))")
            }
            step = n
        }
        let rangeText = String(slash[0])
        let range: ClosedRange<Int>
        if rangeText == "*" {
            range = field == .dayOfWeek ? 0...6 : field.allowed
        } else {
            let ends = rangeText.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2 else { throw fail("\"\(item)\" is not a value or a range a-b") }
            let low = try value(String(ends[0]))
            if ends.count == 2 {
                let high = try value(String(ends[1]))
                guard low <= high else {
                    throw fail("range \"\(rangeText)\" runs backwards (write the smaller value first)")
                }
                range = low...high
            } else {
                // `5/10` means from 5 to the end in steps of 10, as Vixie cron reads it.
                range = slash.count == 2 ? low...field.allowed.upperBound : low...low
            }
        }
        for v in stride(from: range.lowerBound, through: range.upperBound, by: step) { set.insert(v) }
    }

    private func value(_ text: String) throws(CronError) -> Int {
        if let n = Int(text), text.allSatisfy(\.isNumber) {
            guard field.allowed.contains(n) else { throw fail("value \(n) is out of range (\(field.hint))") }
            return n
        }
        let upper = text.uppercased()
        if field == .month, let i = Self.monthNames.firstIndex(of: upper) { return i + 1 }
        if field == .dayOfWeek, let i = Self.dayNames.firstIndex(of: upper) { return i }
        if text.isEmpty { throw fail("has an empty value (allowed: \(field.hint))") }
        throw fail("\"\(text)\" is not a number or name it accepts (allowed: \(field.hint))")
    }

    private func fail(_ reason: String) -> CronError { CronError(expression, field: field, reason) }
}
