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
    /// more than once (a word that occurs twice).
    public static func forEachKey(of event: AuditEvent, _ body: (AuditIndexKey) -> Void) {
        forEachKeyBytes(of: event) { kind, value in body(.init(kind, String(decoding: value, as: UTF8.self))) }
    }

    /// ``forEachKey(of:_:)`` with each key's value as UTF-8 bytes (valid only during the call):
    /// how a chunk is built, without a string per key.
    static func forEachKeyBytes(of event: AuditEvent, _ body: (AuditIndexKey.Kind, UnsafeBufferPointer<UInt8>) -> Void) {
        func add(_ kind: AuditIndexKey.Kind, _ value: String?) {
            if let value { AuditIndexKey.withBytes(value) { body(kind, $0) } }
        }
        add(.action, event.action)
        add(.category, event.category)
        add(.outcome, event.outcome.rawValue)
        add(.severity, event.severity.rawValue)
        add(.actor, event.actor?.id)
        add(.actorName, event.actor?.name)
        add(.actorType, event.actor?.type)
        add(.resourceType, event.resource?.type)
        add(.resourceID, event.resource?.id)
        add(.correlationID, event.request?.correlationID)
        add(.country, event.location?.country)
        add(.risk, event.riskScore.map(String.init))
        for tag in event.tags { add(.tag, tag) }
        for tag in event.compliance { add(.compliance, tag) }
        if let text = event.actor?.ip, let ip = AuditIPAddress(text) {
            forEachIPKey(ip) { body(.ip, $0) }
        }
        forEachTextField(of: event) { field in
            AuditTokenizer.forEachWordBytes(field) { body(.word, $0) }
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
        var keys: [String] = []
        forEachIPKey(address) { keys.append(String(decoding: $0, as: UTF8.self)) }
        return keys
    }

    /// Calls `body` with the bytes of each of ``ipKeys(_:)`` (valid only during the call).
    static func forEachIPKey(_ address: AuditIPAddress, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let mapped = address.mapped
        let lengths = isIPv4Block(mapped) ? ipv4Lengths : ipv6Lengths
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: keyCapacity) { buffer in
            for bits in lengths {
                let count = writeKey(bits: bits, bytes: mapped[0..<(bits / 8)], into: buffer)
                body(UnsafeBufferPointer(rebasing: buffer[0..<count]))
            }
        }
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
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: keyCapacity) { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<writeKey(bits: bits, bytes: bytes, into: buffer)]), as: UTF8.self)
        }
    }

    /// The longest address key: `128:` and 32 hex digits.
    static let keyCapacity = 36

    /// Writes the key `"<bits>:<hex of bytes>"` into `out` (``keyCapacity`` bytes); returns its length.
    static func writeKey(bits: Int, bytes: ArraySlice<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(bytes.count <= 16)
        var count = 0
        func put(_ byte: UInt8) {
            out[count] = byte
            count += 1
        }
        if bits >= 100 { put(UInt8(ascii: "0") + UInt8(bits / 100)) }
        if bits >= 10 { put(UInt8(ascii: "0") + UInt8(bits / 10 % 10)) }
        put(UInt8(ascii: "0") + UInt8(bits % 10))
        put(UInt8(ascii: ":"))
        for byte in bytes {
            put(hexDigit(byte >> 4))
            put(hexDigit(byte & 0xF))
        }
        return count
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
}
