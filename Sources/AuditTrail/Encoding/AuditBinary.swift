/// Little-endian fixed-width fields for the index's stored forms (time columns, rollups): one
/// writer and one bounds-checked reader, so damaged bytes are rejected and never trap.
public struct AuditBinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func u16(_ value: UInt16) { fixed(UInt64(value), 2) }

    public mutating func u32(_ value: UInt32) { fixed(UInt64(value), 4) }

    public mutating func u64(_ value: UInt64) { fixed(value, 8) }

    public mutating func i64(_ value: Int64) { fixed(UInt64(bitPattern: value), 8) }

    /// Raw bytes (their count is the caller's to write).
    public mutating func bytes(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// A string's UTF-8 bytes after their count (2 bytes): at most 65,535 bytes.
    public mutating func text(_ value: String) {
        let utf8 = Array(value.utf8.prefix(Int(UInt16.max)))
        u16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    private mutating func fixed(_ value: UInt64, _ width: Int) {
        for byte in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(byte * 8))) }
    }
}

/// Reads what ``AuditBinaryWriter`` wrote; every read returns nil past the end.
public struct AuditBinaryReader {
    private let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: some Collection<UInt8>) { self.bytes = bytes as? [UInt8] ?? Array(bytes) }

    /// Whether every byte was read.
    public var isAtEnd: Bool { position == bytes.count }

    /// The bytes not read yet.
    public var remaining: Int { bytes.count - position }

    public mutating func u8() -> UInt8? { fixed(1).map { UInt8($0) } }

    public mutating func u16() -> UInt16? { fixed(2).map { UInt16($0) } }

    public mutating func u32() -> UInt32? { fixed(4).map { UInt32($0) } }

    public mutating func u64() -> UInt64? { fixed(8) }

    public mutating func i64() -> Int64? { fixed(8).map { Int64(bitPattern: $0) } }

    /// The next `count` bytes, or nil past the end.
    public mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// A string written by ``AuditBinaryWriter/text(_:)``; nil past the end or for bytes that
    /// are not UTF-8.
    public mutating func text() -> String? {
        guard let count = u16(), Int(count) <= remaining else { return nil }
        let slice = bytes[position..<(position + Int(count))]
        position += Int(count)
        return String(validating: slice, as: UTF8.self)
    }

    private mutating func fixed(_ width: Int) -> UInt64? {
        guard remaining >= width else { return nil }
        var value: UInt64 = 0
        for byte in 0..<width { value |= UInt64(bytes[position + byte]) << UInt64(byte * 8) }
        position += width
        return value
    }
}
