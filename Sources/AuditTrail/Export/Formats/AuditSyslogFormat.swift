/// Events as RFC 5424 syslog messages, one per line (a file) or framed by octet counts (RFC 5425,
/// over TCP or TLS):
///
/// ```text
/// <110>1 2026-01-01T00:00:00.000Z host audittrail - user.login [audittrail@32473 seq="7" id="evt_1" …] BOM{"action":"user.login",…}
/// ```
///
/// Facility 13 (log audit); severity debug 7, info 6, warning 4, error 3, critical 2. TIMESTAMP is
/// the event's time, HOSTNAME the exporting host, APP-NAME `audittrail`, MSGID the action (as far
/// as RFC 5424 allows: 32 printable ASCII characters). The structured-data element
/// `audittrail@32473` holds seq, id, action, outcome, severity, category, the chain hash and,
/// when present, the actor's id and ip and the resource's type and id (values escape `"`, `\`
/// and `]`); 32473 is the private enterprise number IANA reserves for documentation (RFC 5612),
/// used until AuditTrail has its own. MSG is the event as readers get it (JSON, with its hash),
/// UTF-8 behind a BOM as RFC 5424 asks.
public enum AuditSyslogFormat {
    /// The structured-data id.
    public static let structuredDataID = "audittrail@32473"
    /// Facility 13: log audit.
    public static let facility = 13

    /// The syslog severity of an event severity.
    public static func severity(_ severity: AuditSeverity) -> Int {
        switch severity {
        case .debug: 7
        case .info: 6
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// One message without framing or line end.
    public static func message(_ event: AuditEvent, json: [UInt8], host: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 256)
        out += "<\(facility * 8 + severity(event.severity))>1 ".utf8
        event.time.write(into: &out)
        out.append(UInt8(ascii: " "))
        printable(host, limit: 255, into: &out)
        out += " audittrail - ".utf8
        printable(event.action, limit: 32, into: &out)
        out += " [\(structuredDataID)".utf8
        func param(_ name: String, _ value: String?) {
            guard let value else { return }
            out += " \(name)=\"".utf8
            AuditEscaping.append(value, to: &out) { byte in
                byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "]") ? .backslashed(byte) : nil
            }
            out.append(UInt8(ascii: "\""))
        }
        param("seq", String(event.seq))
        param("id", event.id)
        param("action", event.action)
        param("outcome", event.outcome.rawValue)
        param("severity", event.severity.rawValue)
        param("category", event.category)
        param("hash", event.hash)
        param("actor", event.actor?.id)
        param("ip", event.actor?.ip)
        param("resource_type", event.resource?.type)
        param("resource_id", event.resource?.id)
        out += "] ".utf8
        out += [0xEF, 0xBB, 0xBF]
        out += json
        return out
    }

    /// A message as a file's line: LF-terminated (the JSON holds no raw LF).
    public static func line(_ event: AuditEvent, json: [UInt8], host: String) -> [UInt8] {
        var out = message(event, json: json, host: host)
        out.append(0x0A)
        return out
    }

    /// A message framed for TCP or TLS transport (RFC 5425 octet counting: `LEN SP MSG`).
    public static func octetCounted(_ message: [UInt8]) -> [UInt8] {
        Array("\(message.count) ".utf8) + message
    }

    /// A header field of printable ASCII (33–126), others as `_`, cut at `limit`; `-` when empty.
    static func printable(_ value: String, limit: Int, into out: inout [UInt8]) {
        var written = 0
        for byte in value.utf8 where written < limit {
            out.append((33...126).contains(byte) ? byte : UInt8(ascii: "_"))
            written += 1
        }
        if written == 0 { out.append(UInt8(ascii: "-")) }
    }
}
