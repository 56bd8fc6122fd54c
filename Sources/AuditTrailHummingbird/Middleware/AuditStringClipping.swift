import AuditTrail

/// Clips strings to the validator's limits at a UTF-8 character boundary, so that the middleware
/// never builds an event its sink would refuse.
enum AuditStringClipping {
    /// `text` cut to at most `maxBytes` UTF-8 bytes without splitting a character; nil stays nil
    /// and an empty result is nil (the validator refuses empty ids).
    static func clip(_ text: String?, _ maxBytes: Int) -> String? {
        guard let text else { return nil }
        let utf8 = text.utf8
        guard utf8.count > maxBytes else { return text.isEmpty ? nil : text }
        var end = utf8.index(utf8.startIndex, offsetBy: maxBytes)
        // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        let clipped = String(decoding: utf8[..<end], as: UTF8.self)
        return clipped.isEmpty ? nil : clipped
    }

    /// The actor with every field within the validator's limits and an IP that parses.
    static func clip(_ actor: AuditEvent.Actor, maxString: Int) -> AuditEvent.Actor {
        var actor = actor
        actor.id = clip(actor.id, 256)
        actor.name = clip(actor.name, 256)
        actor.type = clip(actor.type, 64)
        actor.sessionID = clip(actor.sessionID, 256)
        actor.userAgent = clip(actor.userAgent, maxString)
        if let ip = actor.ip, AuditIPAddress(ip) == nil { actor.ip = nil }
        return actor
    }

    /// Whether `method` is a token the validator accepts (letters and `-`, at most 16).
    static func isValidMethod(_ method: String) -> Bool {
        let utf8 = method.utf8
        return !utf8.isEmpty && utf8.count <= 16
            && utf8.allSatisfy { (65...90).contains($0) || (97...122).contains($0) || $0 == UInt8(ascii: "-") }
    }
}
