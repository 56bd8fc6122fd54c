/// A point in time with millisecond precision, written as RFC 3339 in UTC
/// (`2026-11-22T08:00:00.123Z`), the only time format of the API.
///
/// ```swift
/// let t = try AuditTime(rfc3339: "2026-11-22T09:00:00+01:00")
/// print(t.rfc3339)   // 2026-11-22T08:00:00.000Z
/// ```
public struct AuditTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The current wall-clock time.
    public static func now() -> AuditTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return AuditTime(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public static func < (a: AuditTime, b: AuditTime) -> Bool { a.milliseconds < b.milliseconds }

    public func adding(milliseconds delta: Int64) -> AuditTime { AuditTime(milliseconds: milliseconds + delta) }

    public var description: String { rfc3339 }

    /// Earliest and latest accepted instants: years 1970…9999.
    public static let validRange: ClosedRange<Int64> = 0...253_402_300_799_999

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var rfc3339: String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the RFC 3339 form (without quotes) to `out`.
    public func write(into out: inout [UInt8]) {
        let ms = milliseconds
        var days = ms / 86_400_000
        var rest = ms % 86_400_000
        if rest < 0 {
            rest += 86_400_000
            days -= 1
        }
        let (year, month, day) = Self.civil(fromDays: days)
        func two(_ v: Int64) {
            out.append(UInt8(48 + v / 10))
            out.append(UInt8(48 + v % 10))
        }
        let y = max(0, min(9999, year))
        out.append(UInt8(48 + y / 1000))
        out.append(UInt8(48 + (y / 100) % 10))
        two(y % 100)
        out.append(UInt8(ascii: "-"))
        two(month)
        out.append(UInt8(ascii: "-"))
        two(day)
        out.append(UInt8(ascii: "T"))
        two(rest / 3_600_000)
        out.append(UInt8(ascii: ":"))
        two((rest / 60_000) % 60)
        out.append(UInt8(ascii: ":"))
        two((rest / 1000) % 60)
        out.append(UInt8(ascii: "."))
        let millis = rest % 1000
        out.append(UInt8(48 + millis / 100))
        two(millis % 100)
        out.append(UInt8(ascii: "Z"))
    }

    /// Parses RFC 3339 (`2026-11-22T08:00:00Z`, fractional seconds and offsets allowed) or a bare
    /// date (`2026-11-22`, midnight UTC). Returns nil when the text is not such a time.
    public init?(rfc3339 text: String) {
        self.init(rfc3339: text, clamping: false)
    }

    /// Parses like ``init(rfc3339:)``, but a well-formed time before 1970 (year 0000 onwards)
    /// becomes 1970-01-01T00:00:00Z: for bounds of a search, where an earlier start means "from
    /// the beginning".
    public init?(rfc3339Bound text: String) {
        self.init(rfc3339: text, clamping: true)
    }

    private init?(rfc3339 text: String, clamping: Bool) {
        let b = Array(text.utf8)
        func num(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= b.count else { return nil }
            var v: Int64 = 0
            for i in start..<(start + count) {
                guard (48...57).contains(b[i]) else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2),
            b[7] == UInt8(ascii: "-"), let day = num(8, 2),
            (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        var ms = Self.days(fromCivil: year, month, day) * 86_400_000
        if b.count == 10 {
            if clamping, ms < 0 { ms = 0 }
            guard Self.validRange.contains(ms) else { return nil }
            self.milliseconds = ms
            return
        }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
            let second = num(17, 2), hour < 24, minute < 60, second < 61
        else { return nil }
        ms += hour * 3_600_000 + minute * 60_000 + min(second, 59) * 1000
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < b.count, (48...57).contains(b[i]) {
                ms += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, let oh = num(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                oh < 24, om < 60
            else { return nil }
            let offset = (oh * 60 + om) * 60_000
            ms += b[i] == UInt8(ascii: "+") ? -offset : offset
        default: return nil
        }
        if clamping, ms < 0 { ms = 0 }
        guard Self.validRange.contains(ms) else { return nil }
        self.milliseconds = ms
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    package static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
