/// An address block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a /32 or /128.
public struct AuditCIDR: Sendable, Hashable, CustomStringConvertible {
    public let address: AuditIPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = AuditIPAddress(parts[0]) else { return nil }
        let maxLength = address.isIPv4 ? 32 : 128
        var length = maxLength
        if parts.count == 2 {
            guard parts[1].utf8.allSatisfy({ (48...57).contains($0) }), let parsed = Int(parts[1]),
                (0...maxLength).contains(parsed)
            else { return nil }
            length = parsed
        }
        self.address = address
        self.prefixLength = length
    }

    /// The first and last address of the block, as 16-byte mapped forms (see ``AuditIPAddress/mapped``).
    public var mappedRange: (low: [UInt8], high: [UInt8]) {
        let bits = prefixLength + (address.isIPv4 ? 96 : 0)
        var low = address.mapped
        var high = address.mapped
        for bit in bits..<128 {
            low[bit / 8] &= ~(0x80 >> UInt8(bit % 8))
            high[bit / 8] |= (0x80 >> UInt8(bit % 8))
        }
        return (low, high)
    }

    public func contains(_ ip: AuditIPAddress) -> Bool {
        let (low, high) = mappedRange
        let value = ip.mapped
        return !value.lexicographicallyPrecedes(low) && !high.lexicographicallyPrecedes(value)
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
