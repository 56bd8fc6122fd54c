/// The one canonical JSON encoder: sorted keys, no insignificant whitespace, UTF-8, minimal string
/// escapes, integers as integers (RFC 8785 in spirit). The bytes it writes are stored verbatim and
/// hashed, so verification never depends on encoding the same way twice.
///
/// ```swift
/// var out: [UInt8] = []
/// CanonicalJSON.write(["b": 1, "a": true], into: &out)   // {"a":true,"b":1}
/// ```
public enum CanonicalJSON {
    /// Encodes `value` and returns the bytes.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// Appends the canonical encoding of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): writeInt(i, into: &out)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (offset, element) in array.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            for key in object.keys.sorted(by: utf8Less) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(object[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Key order: by UTF-8 bytes (stable across platforms and locales).
    @inlinable
    public static func utf8Less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    public static func writeInt(_ value: Int64, into out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { out.append(UInt8(ascii: "-")) }
            for position in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[position]) }
        }
    }

    public static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        if value.rounded() == value, abs(value) < 9.0e15 {
            writeInt(Int64(value), into: &out)
        } else if let thousandths = exactThousandths(value) {
            // The same bytes as `description` (see `exactThousandths`), without making a String:
            // durations in milliseconds at microsecond precision are on every request's event.
            if thousandths < 0 { out.append(UInt8(ascii: "-")) }
            writeInt(Int64(thousandths.magnitude / 1000), into: &out)
            out.append(UInt8(ascii: "."))
            var fraction = thousandths.magnitude % 1000
            var divisor: UInt64 = 100
            while fraction > 0 {
                out.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
                fraction %= divisor
                divisor /= 10
            }
        } else {
            out.append(contentsOf: value.description.utf8)
        }
    }

    /// `value` × 1000 when `value` is below 10⁹ in magnitude and is the double nearest to a decimal
    /// with at most three decimals (`12.345`). That decimal is then its shortest round-trip form —
    /// any shorter decimal lies at least 0.001 away, far beyond a double's spacing there — so it is
    /// what `description` prints.
    static func exactThousandths(_ value: Double) -> Int64? {
        guard abs(value) < 1e9 else { return nil }
        let scaled = (value * 1000).rounded()
        guard scaled / 1000 == value else { return nil }
        return Int64(scaled)
    }

    private static var hexDigits: [UInt8] { AuditHex.digits }

    public static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case 0x22:
                    out.append(0x5C)
                    out.append(0x22)
                case 0x5C:
                    out.append(0x5C)
                    out.append(0x5C)
                case 0x0A:
                    out.append(0x5C)
                    out.append(UInt8(ascii: "n"))
                case 0x0D:
                    out.append(0x5C)
                    out.append(UInt8(ascii: "r"))
                case 0x09:
                    out.append(0x5C)
                    out.append(UInt8(ascii: "t"))
                case 0x08:
                    out.append(0x5C)
                    out.append(UInt8(ascii: "b"))
                case 0x0C:
                    out.append(0x5C)
                    out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: [
                        0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)],
                    ])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
