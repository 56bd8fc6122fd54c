/// Events as CSV (RFC 4180): a header row, then one row per event, in a fixed, documented column
/// order that later versions only extend at the end. Nested fields are flattened with dotted
/// names (`actor.id`), lists (`tags`, `files`, …) are JSON arrays, and free-form JSON
/// (`metadata`, `changes.before`, `changes.after`, `request.headers`) is one column of JSON text.
/// Lines end with CRLF; a field holding a comma, a quote, CR or LF is quoted, quotes doubled.
///
/// A text cell that begins with `=`, `+`, `-`, `@`, a tab or CR — what a spreadsheet runs as a
/// formula — is written with a leading `'` (OWASP's CSV-injection rule), so opening an export
/// of hostile input in a spreadsheet runs nothing; the numeric columns never are. The JSON
/// formats keep the exact stored values.
public enum AuditCSVFormat {
    /// The columns, in order.
    public static let columns = [
        "seq", "id", "time", "received_at", "action", "category", "severity", "outcome", "description",
        "actor.id", "actor.name", "actor.type", "actor.ip", "actor.user_agent", "actor.session_id",
        "resource.type", "resource.id", "resource.name", "resource.namespace",
        "request.method", "request.path", "request.status", "request.duration_ms", "request.correlation_id", "request.headers",
        "location.country", "location.region", "location.city",
        "risk_score", "tags", "compliance", "files", "comment", "changes.before", "changes.after",
        "redacted", "ingested_by", "metadata", "hash",
    ]

    /// The header row.
    public static var headerRow: [UInt8] {
        var out: [UInt8] = []
        for (index, column) in columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += column.utf8
        }
        out += [0x0D, 0x0A]
        return out
    }

    /// One event's row (with CRLF).
    public static func row(_ event: AuditEvent) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        var first = true
        func cell(_ value: String?, text: Bool = true) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            guard let value else { return }
            field(value, text: text, into: &out)
        }
        func json(_ value: JSONValue?) { cell(value.map { String(decoding: CanonicalJSON.encode($0), as: UTF8.self) }) }
        func list(_ values: [String]) { json(values.isEmpty ? nil : .array(values.map(JSONValue.string))) }
        let actor = event.actor
        let resource = event.resource
        let request = event.request
        cell(String(event.seq), text: false)
        cell(event.id)
        cell(event.time.rfc3339, text: false)
        cell(event.receivedAt.rfc3339, text: false)
        cell(event.action)
        cell(event.category)
        cell(event.severity.rawValue)
        cell(event.outcome.rawValue)
        cell(event.description)
        cell(actor?.id)
        cell(actor?.name)
        cell(actor?.type)
        cell(actor?.ip)
        cell(actor?.userAgent)
        cell(actor?.sessionID)
        cell(resource?.type)
        cell(resource?.id)
        cell(resource?.name)
        cell(resource?.namespace)
        cell(request?.method)
        cell(request?.path)
        cell(request?.status.map { String($0) }, text: false)
        cell(request?.durationMS.map { String(decoding: CanonicalJSON.encode(.double($0)), as: UTF8.self) }, text: false)
        cell(request?.correlationID)
        json(request?.headers.map(JSONValue.object))
        cell(event.location?.country)
        cell(event.location?.region)
        cell(event.location?.city)
        cell(event.riskScore.map { String($0) }, text: false)
        list(event.tags)
        list(event.compliance)
        list(event.files)
        cell(event.comment)
        json(event.changes?.before)
        json(event.changes?.after)
        list(event.redacted)
        cell(event.ingestedBy)
        json(event.metadata)
        cell(event.hash)
        out += [0x0D, 0x0A]
        return out
    }

    /// One field: quoted when it must be, a formula-starting text cell defused.
    static func field(_ value: String, text: Bool, into out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            var quote = false
            var quotes = false
            for byte in bytes {
                switch byte {
                case UInt8(ascii: ","), 0x0A, 0x0D: quote = true
                case UInt8(ascii: "\""): quotes = true
                default: continue
                }
            }
            quote = quote || quotes
            if quote { out.append(UInt8(ascii: "\"")) }
            if text, let first = bytes.first, isFormulaStart(first) { out.append(UInt8(ascii: "'")) }
            if quotes {
                for byte in bytes {
                    if byte == UInt8(ascii: "\"") { out.append(byte) }
                    out.append(byte)
                }
            } else {
                out.append(contentsOf: bytes)
            }
            if quote { out.append(UInt8(ascii: "\"")) }
        }
    }

    /// `=`, `+`, `-`, `@`, tab, CR: what a spreadsheet runs as a formula.
    static func isFormulaStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: true
        default: false
        }
    }
}
