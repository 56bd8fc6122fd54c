/// What the search index holds of an event, derived from the event alone (so from its canonical
/// bytes): its keys (one posting per field value, word and address prefix) and the text fields
/// its words come from. The one derivation: the index is built with it, checked against it, and
/// the matcher (``AuditEventMatcher``) reads text through it.
public enum AuditIndexTerms {
    /// The event's index keys, sorted, without repeats.
    public static func keys(of event: AuditEvent) -> [AuditIndexKey] {
        var keys: [AuditIndexKey] = []
        forEachKey(of: event) { keys.append($0) }
        keys.sort()
        var unique: [AuditIndexKey] = []
        unique.reserveCapacity(keys.count)
        for key in keys where unique.last != key { unique.append(key) }
        return unique
    }

    /// Calls `body` with each of the event's index keys, in no particular order and possibly
    /// more than once (a word that occurs twice): how a chunk is built, without sorting.
    public static func forEachKey(of event: AuditEvent, _ body: (AuditIndexKey) -> Void) {
        body(.init(.action, event.action))
        body(.init(.category, event.category))
        body(.init(.outcome, event.outcome.rawValue))
        body(.init(.severity, event.severity.rawValue))
        func add(_ kind: AuditIndexKey.Kind, _ value: String?) {
            if let value { body(.init(kind, value)) }
        }
        add(.actor, event.actor?.id)
        add(.actorName, event.actor?.name)
        add(.actorType, event.actor?.type)
        add(.resourceType, event.resource?.type)
        add(.resourceID, event.resource?.id)
        add(.correlationID, event.request?.correlationID)
        add(.country, event.location?.country)
        add(.risk, event.riskScore.map(String.init))
        for tag in event.tags { body(.init(.tag, tag)) }
        for tag in event.compliance { body(.init(.compliance, tag)) }
        if let text = event.actor?.ip, let ip = AuditIPAddress(text) {
            for key in ipKeys(ip) { body(.init(.ip, key)) }
        }
        forEachTextField(of: event) { field in
            AuditTokenizer.forEachWord(field) { body(.init(.word, $0)) }
        }
    }

    /// The text that words are searched in, one field at a time (a phrase never spans two): the
    /// description, the comment, and each string, number and boolean value of the metadata, at
    /// any depth (in no particular order).
    public static func forEachTextField(of event: AuditEvent, _ body: (String) -> Void) {
        if let description = event.description { body(description) }
        if let comment = event.comment { body(comment) }
        if let metadata = event.metadata { forEachValue(metadata, body) }
    }

    static func forEachValue(_ value: JSONValue, _ body: (String) -> Void) {
        switch value {
        case .null: return
        case .bool(let flag): body(flag ? "true" : "false")
        case .int(let number): body(String(number))
        case .double:
            var bytes: [UInt8] = []
            CanonicalJSON.write(value, into: &bytes)
            body(String(decoding: bytes, as: UTF8.self))
        case .string(let text): body(text)
        case .array(let items): for item in items { forEachValue(item, body) }
        case .object(let members): for member in members.values { forEachValue(member, body) }
        }
    }

    // MARK: Addresses

    /// The bit lengths of the mapped form (``AuditIPAddress/mapped``) at which an IPv4 address is
    /// indexed: 96 (any IPv4 address), then /8, /16, /24 and /32 of the IPv4 address.
    static let ipv4Lengths = [96, 104, 112, 120, 128]
    /// The bit lengths at which an IPv6 address is indexed: every multiple of 8.
    static let ipv6Lengths = Array(stride(from: 8, through: 128, by: 8))

    /// The address's index keys: `"<bits>:<hex of the first bits/8 mapped bytes>"` at each length
    /// of ``ipv4Lengths`` or ``ipv6Lengths``; a block of any length is the union of at most 256
    /// of them (``ipKeys(for:)``).
    static func ipKeys(_ address: AuditIPAddress) -> [String] {
        let mapped = address.mapped
        let lengths = isIPv4Block(mapped) ? ipv4Lengths : ipv6Lengths
        return lengths.map { key(bits: $0, bytes: mapped[0..<($0 / 8)]) }
    }

    /// The keys whose union is exactly the events with an address in `block`.
    public static func ipKeys(for block: AuditCIDR) -> [String] {
        let bits = block.prefixLength + (block.address.isIPv4 ? 96 : 0)
        let low = block.mappedRange.low
        var keys: [String] = []
        if isIPv4Block(low), bits >= 96 {
            keys += enumerate(low, bits: bits, at: ipv4Lengths.first { $0 >= bits }!)
        } else {
            keys += enumerate(low, bits: bits, at: max(8, ipv6Lengths.first { $0 >= bits }!))
            // The whole IPv4 block lies inside a shorter IPv6 block that holds its first 96 bits.
            if bits <= 96, Self.sharesPrefix(low, ipv4Block, bits: bits) {
                keys.append(key(bits: 96, bytes: ipv4Block[0..<12]))
            }
        }
        return keys
    }

    /// `::ffff:0:0/96`, where IPv4 addresses are mapped.
    static let ipv4Block: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0]

    static func isIPv4Block(_ mapped: [UInt8]) -> Bool { sharesPrefix(mapped, ipv4Block, bits: 96) }

    static func sharesPrefix(_ a: [UInt8], _ b: [UInt8], bits: Int) -> Bool {
        for bit in 0..<bits where (a[bit / 8] ^ b[bit / 8]) & (0x80 >> UInt8(bit % 8)) != 0 { return false }
        return true
    }

    /// The keys at `length` bits of every address that shares the first `bits` bits of `low`
    /// (`length - bits` ≤ 8, so at most 256).
    static func enumerate(_ low: [UInt8], bits: Int, at length: Int) -> [String] {
        let free = length - bits
        return (0..<(1 << free)).map { variant in
            var bytes = low
            for index in 0..<free {
                let bit = bits + index
                if variant & (1 << (free - 1 - index)) != 0 { bytes[bit / 8] |= 0x80 >> UInt8(bit % 8) }
            }
            return key(bits: length, bytes: bytes[0..<(length / 8)])
        }
    }

    /// The whole address an `ip` key of all 128 bits names (IPv4 written as IPv4), or nil for a
    /// key of a shorter prefix: the values that `group_by=ip` counts.
    public static func address(ofIPKey key: String) -> String? {
        guard isWholeAddressKey(key) else { return nil }
        let utf8 = Array(key.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for index in stride(from: 4, to: utf8.count, by: 2) {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return AuditIPAddress(unmapping: bytes).description
    }

    /// Whether an `ip` key names all 128 bits (a whole address), without reading its digits.
    public static func isWholeAddressKey(_ key: String) -> Bool {
        key.utf8.count == 4 + 32 && key.utf8.starts(with: "128:".utf8)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static func key(bits: Int, bytes: ArraySlice<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(4 + bytes.count * 2)
        if bits >= 100 { out.append(UInt8(ascii: "0") + UInt8(bits / 100)) }
        if bits >= 10 { out.append(UInt8(ascii: "0") + UInt8(bits / 10 % 10)) }
        out.append(UInt8(ascii: "0") + UInt8(bits % 10))
        out.append(UInt8(ascii: ":"))
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
