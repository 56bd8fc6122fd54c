/// An IPv4 or IPv6 address, parsed strictly; IPv4 is kept as 4 bytes, IPv6 as 16.
///
/// ```swift
/// let ip = AuditIPAddress("203.0.113.9")!
/// ip.anonymized.description   // "203.0.113.0"
/// ```
public struct AuditIPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    public var isIPv4: Bool { bytes.count == 4 }

    public init?(_ text: some StringProtocol) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let bytes = Self.parseIPv6(String(text)) else { return nil }
            self.bytes = bytes
        } else {
            guard let bytes = Self.parseIPv4(Substring(text)) else { return nil }
            self.bytes = bytes
        }
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16)
        self.bytes = bytes
    }

    /// The address as 16 bytes (IPv4-mapped for IPv4), so that both families sort and range alike.
    public var mapped: [UInt8] {
        isIPv4 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + bytes : bytes
    }

    /// The address from its mapped form (``mapped``): IPv4 when it lies in `::ffff:0:0/96`, so an
    /// IPv4 address and its mapped IPv6 spelling come out as one address.
    public init(unmapping mapped: [UInt8]) {
        precondition(mapped.count == 16)
        let address = AuditIPAddress(bytes: mapped)
        self = address.isIPv4Mapped ? AuditIPAddress(bytes: Array(mapped[12...])) : address
    }

    /// Whether this is an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2).
    var isIPv4Mapped: Bool {
        bytes.count == 16 && bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
    }

    /// IPv4 truncated to its /24, IPv6 to its /48 (the GDPR-friendly forms); an IPv4-mapped IPv6
    /// address keeps its form and has its embedded IPv4 address truncated to the /24.
    public var anonymized: AuditIPAddress {
        var copy = bytes
        let keep = isIPv4 ? 3 : (isIPv4Mapped ? 15 : 6)
        for index in keep..<copy.count { copy[index] = 0 }
        return AuditIPAddress(bytes: copy)
    }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        // RFC 5952 §5: IPv4-mapped addresses are written in mixed notation.
        if isIPv4Mapped { return "::ffff:" + bytes[12...].map(String.init).joined(separator: ".") }
        var groups: [UInt16] = []
        for index in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])) }
        // Longest run of zero groups (length ≥ 2) becomes "::" (RFC 5952).
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        for index in 0...8 {
            if index < 8, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength {
                    bestStart = runStart
                    bestLength = index - runStart
                }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var parts: [String] = []
        var index = 0
        var text = ""
        while index < 8 {
            if index == bestStart {
                text += (parts.isEmpty ? "" : parts.joined(separator: ":")) + "::"
                parts = []
                index += bestLength
                continue
            }
            parts.append(String(groups[index], radix: 16))
            index += 1
        }
        return text + parts.joined(separator: ":")
    }

    /// Dotted quad, four decimal octets without leading zeros; byte-level (this runs per event).
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(4)
        var value = 0
        var digits = 0
        var leadingZero = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, out.count < 3 else { return nil }
                out.append(UInt8(value))
                value = 0
                digits = 0
                leadingZero = false
            } else if (48...57).contains(byte) {
                guard !leadingZero, digits < 3 else { return nil }
                if digits == 0, byte == 48 { leadingZero = true }
                value = value * 10 + Int(byte - 48)
                digits += 1
                guard value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, out.count == 3 else { return nil }
        out.append(UInt8(value))
        return out
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }  // zone id
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseIPv4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix("::") == false { text = text.dropLast() }  // "…:1.2.3.4" keeps its separator
        }
        var halves: [String] = []
        if let range = text.firstRange(of: "::") {
            halves = [String(text[..<range.lowerBound]), String(text[range.upperBound...])]
            guard !halves[1].contains("::") else { return nil }
        } else {
            halves = [String(text)]
        }
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !part.isEmpty, part.count <= 4, part.utf8.allSatisfy({ AuditHex.value(ofDigit: $0) != nil }),
                    let value = UInt16(part, radix: 16)
                else { return nil }
                out.append(value)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let tailGroups = tail.isEmpty ? 0 : 2
        var all: [UInt16]
        if halves.count == 2 {
            guard let rest = groups(halves[1]) else { return nil }
            let missing = 8 - head.count - rest.count - tailGroups
            guard missing >= 1 else { return nil }
            all = head + Array(repeating: 0, count: missing) + rest
        } else {
            all = head
            guard all.count + tailGroups == 8 else { return nil }
        }
        var bytes: [UInt8] = []
        for group in all {
            bytes.append(UInt8(group >> 8))
            bytes.append(UInt8(group & 0xFF))
        }
        bytes += tail
        return bytes.count == 16 ? bytes : nil
    }
}
