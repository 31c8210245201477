/// The five fields of a cron expression, in order.
public enum CronField: String, Sendable, CaseIterable, CustomStringConvertible {
    case minute
    case hour
    case dayOfMonth = "day-of-month"
    case month
    case dayOfWeek = "day-of-week"

    public var description: String { rawValue }

    /// The values the field accepts, as written in messages.
    var allowed: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// What a user may write besides numbers, for messages.
    var hint: String {
        switch self {
        case .minute: "0-59"
        case .hour: "0-23"
        case .dayOfMonth: "1-31"
        case .month: "1-12 or JAN-DEC"
        case .dayOfWeek: "0-7 (0 and 7 are Sunday) or SUN-SAT"
        }
    }
}

/// Why a cron expression or time zone was refused. `field` names the field that is wrong when
/// one is; the description says what was written, what is allowed and what to do.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    public let field: CronField?
    public let reason: String

    init(_ expression: String, field: CronField? = nil, _ reason: String) {
        self.expression = expression
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field {
            return "cron expression \"\(expression)\": the \(field) field \(reason)"
        }
        return "cron expression \"\(expression)\": \(reason)"
    }
}
