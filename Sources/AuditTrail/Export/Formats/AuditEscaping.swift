/// Text into a format that escapes some bytes (CEF, syslog's structured data): the runs of bytes
/// that need nothing are appended at once, each replaced byte written straight into the output.
enum AuditEscaping {
    /// What a byte is written as instead of itself.
    enum Replacement {
        /// A backslash and this byte (`\|`, `\n`).
        case backslashed(UInt8)
        /// This byte alone (CEF's header writes CR and LF as spaces).
        case byte(UInt8)
    }

    /// Appends `value`, each byte for which `replacement` answers written as it says.
    static func append(_ value: String, to out: inout [UInt8], _ replacement: (UInt8) -> Replacement?) {
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                guard let replaced = replacement(bytes[index]) else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                switch replaced {
                case .backslashed(let byte): out += [UInt8(ascii: "\\"), byte]
                case .byte(let byte): out.append(byte)
                }
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }
}
