/// How long events are kept: a number of days (1…36,500), or off.
///
/// ```swift
/// let window = try AuditRetentionWindow(parsing: "90")   // or "off", "0"
/// let cutoff = window.cutoff(now: .now())                // nil when off
/// ```
public struct AuditRetentionWindow: Sendable, Hashable, CustomStringConvertible {
    /// Days kept, or nil when retention is off.
    public let days: Int?

    /// The default window: 90 days.
    public static let defaultDays = 90
    /// The longest window: 36,500 days (100 years).
    public static let maximumDays = 36_500
    /// The rule a window follows, as errors state it.
    public static let rule = "must be an integer from 1 to 36500, or 0 or null (off)"

    /// Retention off: nothing is removed.
    public static let off = AuditRetentionWindow(uncheckedDays: nil)
    /// The default, 90 days.
    public static let `default` = AuditRetentionWindow(uncheckedDays: defaultDays)

    private init(uncheckedDays days: Int?) { self.days = days }

    /// A window of `days` days; 0 or nil is off.
    /// - Throws: `.invalidInput` naming `field` unless `days` is nil or 0…36,500.
    public init(days: Int?, field: String = "days") throws(AuditTrailError) {
        guard let days, days != 0 else {
            self.days = nil
            return
        }
        guard (1...Self.maximumDays).contains(days) else { throw AuditTrailError.invalid(field, Self.rule) }
        self.days = days
    }

    /// A window from text: `off` (any case) or a decimal integer, 0 meaning off.
    /// - Throws: `.invalidInput` naming `field`.
    public init(parsing text: String, field: String = "days") throws(AuditTrailError) {
        if text.lowercased() == "off" {
            self = .off
            return
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), let days = Int(text) else {
            throw AuditTrailError.invalid(field, Self.rule)
        }
        try self.init(days: days, field: field)
    }

    /// Whether events are removed at all.
    public var isOff: Bool { days == nil }

    /// Events received before this time are removed; nil when off.
    public func cutoff(now: AuditTime) -> AuditTime? {
        days.map { AuditTime(milliseconds: now.milliseconds - Int64($0) * 86_400_000) }
    }

    /// `90 days` or `off`.
    public var description: String { days.map { "\($0) day\($0 == 1 ? "" : "s")" } ?? "off" }
}
