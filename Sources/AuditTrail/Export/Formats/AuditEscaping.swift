/// Text into a format that escapes some bytes (CEF, syslog's structured data): the runs of bytes
/// that need nothing are appended at once.
enum AuditEscaping {
    /// Appends `value`; `escape` writes a byte's escaped form and returns true, or returns false
    /// to keep the byte as it is.
    static func append(_ value: String, to out: inout [UInt8], _ escape: (UInt8, inout [UInt8]) -> Bool) {
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            var escaped: [UInt8] = []
            escaped.reserveCapacity(4)
            for index in bytes.indices {
                escaped.removeAll(keepingCapacity: true)
                guard escape(bytes[index], &escaped) else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                out += escaped
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }
}
