/// Parsing and verifying checkpoint notes.
extension AuditCheckpoint {
    /// Parses a signed checkpoint note and verifies it against `verifier`.
    ///
    /// Signature lines by other keys are ignored (a checkpoint may carry witness cosignatures).
    /// - Throws: ``AuditTrailError`` whose first field error says what is wrong:
    ///   `.invalidInput` on `note` (malformed note), `origin`, `tree_size`, `root_hash` or `time`
    ///   (malformed body); `.tampered` on `key` (no signature by this key: a wrong or replaced key)
    ///   or `signature` (a signature by this key that does not verify: the body or the signature
    ///   was changed).
    public init(note: String, verifier: AuditSignerPublicKey) throws(AuditTrailError) {
        let parsed = try AuditSignedNote(parsing: note)
        try self.init(body: parsed.text)
        let verified = try parsed.verifiedSignatures(by: [verifier])
        let first = verified[0]
        keyID = first.keyID
        signature =
            [
                UInt8(first.keyID >> 24 & 0xFF), UInt8(first.keyID >> 16 & 0xFF),
                UInt8(first.keyID >> 8 & 0xFF), UInt8(first.keyID & 0xFF),
            ] + first.signature
    }

    /// Parses an unsigned checkpoint body (`origin\nsize\nbase64 root\n[extension lines]`).
    public init(body: String) throws(AuditTrailError) {
        guard body.utf8.last == 0x0A else { throw AuditTrailError.invalid("note", "checkpoint body must end in a newline") }
        let lines = body.utf8.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3 else {
            throw AuditTrailError.invalid("note", "checkpoint body must have an origin, a tree size and a root hash line")
        }
        guard Self.isValidLine(lines[0]) else { throw AuditTrailError.invalid("origin", "must be a non-empty line") }
        guard let size = Self.parseSize(lines[1]) else {
            throw AuditTrailError.invalid("tree_size", "must be a decimal number without sign or leading zeros")
        }
        guard let root = AuditHash(base64: lines[2]) else {
            throw AuditTrailError.invalid("root_hash", "must be the canonical base64 of 32 bytes")
        }
        var time: AuditTime?
        var extensions: [String] = []
        for line in lines.dropFirst(3) {
            guard Self.isValidLine(line) else { throw AuditTrailError.invalid("note", "extension lines must not be empty") }
            if line.hasPrefix("time ") {
                guard time == nil, let parsed = AuditTime(rfc3339: String(line.dropFirst(5))) else {
                    throw AuditTrailError.invalid("time", "must be one RFC 3339 time")
                }
                time = parsed
            } else {
                extensions.append(line)
            }
        }
        try self.init(origin: lines[0], size: size, rootHash: root, time: time, extensions: extensions)
    }

    /// A decimal tree size: digits only, no leading zero unless it is `0`, fits in Int64.
    static func parseSize(_ text: String) -> Int64? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ (48...57).contains($0) }),
            digits.count == 1 || digits[0] != 48
        else { return nil }
        var value: Int64 = 0
        for digit in digits {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit - 48))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}
