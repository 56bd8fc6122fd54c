import AuditTrail
import AuditTrailTesting
import Testing

@Suite("AuditTime")
struct AuditTimeTests {
    @Test(
        "parses RFC 3339 times with Z, offsets and fractions",
        arguments: [
            ("1970-01-01T00:00:00Z", 0),
            ("1970-01-01T00:00:00.001Z", 1),
            ("2000-02-29T23:59:59.999Z", 951_868_799_999),
            ("2024-02-29T12:00:00Z", 1_709_208_000_000),
            ("2026-11-22T08:00:00.123Z", 1_795_334_400_123),
            ("2026-11-22t08:00:00.123z", 1_795_334_400_123),
            ("2026-11-22 08:00:00.123Z", 1_795_334_400_123),
            ("2026-11-22T09:00:00.123+01:00", 1_795_334_400_123),
            ("2026-11-22T02:30:00.123-05:30", 1_795_334_400_123),
            ("2026-11-22T08:00:00.123+00:00", 1_795_334_400_123),
            ("2026-11-22T08:00:00.1Z", 1_795_334_400_100),
            ("2026-11-22T08:00:00.12Z", 1_795_334_400_120),
            ("2026-11-22T08:00:00.123456789Z", 1_795_334_400_123),
            ("2026-11-23T07:59:00+23:59", 1_795_334_400_000),
            ("1999-12-31T23:59:59Z", 946_684_799_000),
            ("2100-03-01T00:00:00Z", 4_107_542_400_000),
            ("2038-01-19T03:14:08Z", 2_147_483_648_000),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
        ] as [(String, Int64)]
    )
    func parsesTimes(text: String, milliseconds: Int64) {
        #expect(AuditTime(rfc3339: text)?.milliseconds == milliseconds)
    }

    @Test(
        "a bare date is midnight UTC",
        arguments: [
            ("1970-01-01", 0), ("2024-02-29", 1_709_164_800_000), ("2026-11-22", 1_795_305_600_000),
            ("2000-02-29", 951_782_400_000),
        ] as [(String, Int64)]
    )
    func parsesBareDates(text: String, milliseconds: Int64) {
        #expect(AuditTime(rfc3339: text)?.milliseconds == milliseconds)
    }

    @Test(
        "rejects invalid dates, times and forms",
        arguments: [
            "", "2026", "2026-11", "26-11-22", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31", "2026-02-29",
            "2100-02-29", "1900-02-29", "2026-04-31", "2026/11/22", "2026-1-22", "2026-11-2", "20261122",
            "2026-11-22T", "2026-11-22T08:00Z", "2026-11-22T08:00:00", "2026-11-22T24:00:00Z", "2026-11-22T23:60:00Z",
            "2026-11-22T23:59:62Z", "2026-11-22T8:00:00Z", "2026-11-22T08:00:00.Z", "2026-11-22T08:00:00ZZ",
            "2026-11-22T08:00:00+0100", "2026-11-22T08:00:00+01", "2026-11-22T08:00:00+24:00",
            "2026-11-22T08:00:00+01:60", "2026-11-22T08:00:00 Z", "2026-11-22X08:00:00Z", " 2026-11-22T08:00:00Z",
            "2026-11-22T08:00:00Z ", "1969-12-31T23:59:59.999Z", "1969-12-31", "0000-01-01", "1970-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59-00:01", "２０２６-11-22", "abcd-ef-gh",
        ]
    )
    func rejectsInvalidTimes(text: String) {
        #expect(AuditTime(rfc3339: text) == nil)
    }

    @Test(
        "formats as YYYY-MM-DDTHH:MM:SS.mmmZ",
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (951_868_799_999, "2000-02-29T23:59:59.999Z"),
            (1_795_334_400_123, "2026-11-22T08:00:00.123Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ] as [(Int64, String)]
    )
    func formats(milliseconds: Int64, expected: String) {
        let time = AuditTime(milliseconds: milliseconds)
        #expect(time.rfc3339 == expected)
        #expect(time.description == expected)
        var out = Array("t=".utf8)
        time.write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "t=" + expected)
    }

    @Test("format and parse round-trip and agree with a naive calendar over random instants", arguments: 0..<4)
    func roundTripsRandomInstants(seed: UInt64) throws {
        var generator = SeededGenerator(seed: 0x7133 + seed)
        for _ in 0..<250 {
            let ms = Int64.random(in: AuditTime.validRange, using: &generator)
            let text = AuditTime(milliseconds: ms).rfc3339
            #expect(text == Self.naiveFormat(ms))
            #expect(AuditTime(rfc3339: text)?.milliseconds == ms)
        }
    }

    @Test("orders by instant and adds milliseconds")
    func ordersAndAdds() throws {
        let a = try #require(AuditTime(rfc3339: "2026-11-22T09:00:00+01:00"))
        let b = try #require(AuditTime(rfc3339: "2026-11-22T08:00:00.001Z"))
        #expect(a < b)
        #expect(a.adding(milliseconds: 1) == b)
        #expect(b.adding(milliseconds: -1) == a)
    }

    @Test("now is inside the valid range and formats in UTC")
    func nowIsValid() {
        let now = AuditTime.now()
        #expect(AuditTime.validRange.contains(now.milliseconds))
        #expect(now.rfc3339.hasSuffix("Z"))
        #expect(AuditTime(rfc3339: now.rfc3339) == now)
    }

    /// An independent, slow civil-calendar conversion: count whole years and months from 1970.
    static func naiveFormat(_ ms: Int64) -> String {
        var days = ms / 86_400_000
        let rest = ms % 86_400_000
        var year: Int64 = 1970
        func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
        while days >= (isLeap(year) ? 366 : 365) {
            days -= isLeap(year) ? 366 : 365
            year += 1
        }
        let lengths: [Int64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var month = 0
        while days >= lengths[month] {
            days -= lengths[month]
            month += 1
        }
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(Int64(month + 1), 2))-\(pad(days + 1, 2))T\(pad(rest / 3_600_000, 2)):"
            + "\(pad(rest / 60_000 % 60, 2)):\(pad(rest / 1000 % 60, 2)).\(pad(rest % 1000, 3))Z"
    }
}
