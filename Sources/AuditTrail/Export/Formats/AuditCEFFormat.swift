/// Events as ArcSight CEF (Common Event Format, revision 0), one line per event:
///
/// ```text
/// CEF:0|AuditTrail|AuditTrail|0.8.0|user.login|A user signed in|3|rt=1767225600000 externalId=evt_1 act=user.login …
/// ```
///
/// The header's signature id is the action, its name the description (else the action), its
/// severity 0–10 (debug 1, info 3, warning 5, error 8, critical 10); `|` and `\` in the header are
/// escaped, CR and LF become spaces. Extension values escape `\`, `=`, CR (`\r`) and LF (`\n`).
/// Standard keys: `rt` (event time, ms), `externalId` (event id), `act`, `cat`, `outcome`, `msg`,
/// `suid` and `suser` (the actor's id, and its name or else id), `src` (an IPv4 actor address;
/// an IPv6 one goes to `c6a2`), `requestClientApplication`, `request` (path), `requestMethod`,
/// `dvchost`; custom ones, each with its label: `cn1` seq, `cn2` risk score, `cn3` HTTP status,
/// `cs1` resource type, `cs2` resource id, `cs3` chain hash, `cs4` correlation id, `cs5` ingested
/// by, `cs6` session id. Metadata, changes and headers are not in CEF: the JSON formats carry them.
public enum AuditCEFFormat {
    /// CEF severity (0–10) of an event severity.
    public static func severity(_ severity: AuditSeverity) -> Int {
        switch severity {
        case .debug: 1
        case .info: 3
        case .warning: 5
        case .error: 8
        case .critical: 10
        }
    }

    /// One event's line (with LF).
    public static func line(_ event: AuditEvent, host: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out += "CEF:0|".utf8
        for value in [AuditTrailProduct.vendor, AuditTrailProduct.name, AuditTrailProduct.version, event.action, event.description ?? event.action] {
            escape(value, header: true, into: &out)
            out.append(UInt8(ascii: "|"))
        }
        out += String(severity(event.severity)).utf8
        out.append(UInt8(ascii: "|"))
        var first = true
        func ext(_ key: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            if !first { out.append(UInt8(ascii: " ")) }
            first = false
            out += key.utf8
            out.append(UInt8(ascii: "="))
            escape(value, header: false, into: &out)
        }
        func labelled(_ key: String, _ label: String, _ value: String?) {
            guard value != nil else { return }
            ext(key, value)
            ext(key + "Label", label)
        }
        let actor = event.actor
        ext("rt", String(event.time.milliseconds))
        ext("externalId", event.id)
        ext("act", event.action)
        ext("cat", event.category)
        ext("outcome", event.outcome.rawValue)
        ext("msg", event.description)
        ext("suid", actor?.id)
        ext("suser", actor?.name ?? actor?.id)
        if let ip = actor?.ip {
            if ip.contains(":") { labelled("c6a2", "Source IPv6 Address", ip) } else { ext("src", ip) }
        }
        ext("requestClientApplication", actor?.userAgent)
        ext("request", event.request?.path)
        ext("requestMethod", event.request?.method)
        ext("dvchost", host)
        labelled("cn1", "seq", String(event.seq))
        labelled("cn2", "riskScore", event.riskScore.map { String($0) })
        labelled("cn3", "httpStatus", event.request?.status.map { String($0) })
        labelled("cs1", "resourceType", event.resource?.type)
        labelled("cs2", "resourceId", event.resource?.id)
        labelled("cs3", "hash", event.hash)
        labelled("cs4", "correlationId", event.request?.correlationID)
        labelled("cs5", "ingestedBy", event.ingestedBy)
        labelled("cs6", "sessionId", actor?.sessionID)
        out.append(0x0A)
        return out
    }

    /// A header field (`header`: `\` and `|` escaped, CR and LF as spaces) or an extension value
    /// (`\` and `=` escaped, CR as `\r`, LF as `\n`).
    static func escape(_ value: String, header: Bool, into out: inout [UInt8]) {
        AuditEscaping.append(value, to: &out) { byte in
            switch byte {
            case UInt8(ascii: "\\"): .backslashed(byte)
            case UInt8(ascii: "|"): header ? .backslashed(byte) : nil
            case UInt8(ascii: "="): header ? nil : .backslashed(byte)
            case 0x0A: header ? .byte(UInt8(ascii: " ")) : .backslashed(UInt8(ascii: "n"))
            case 0x0D: header ? .byte(UInt8(ascii: " ")) : .backslashed(UInt8(ascii: "r"))
            default: nil
            }
        }
    }
}
