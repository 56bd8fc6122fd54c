/// What stores index besides the event's plain fields, derived once when the event is prepared —
/// on the caller's task, in parallel — so that the writer, which runs one transaction at a time,
/// only binds them.
package struct AuditEventIndexValues: Sendable, Hashable {
    /// `actor.ip` as 16 bytes (IPv4 mapped into IPv6), so CIDR filters are range scans.
    package var ip: [UInt8]?
    /// `tags` as a JSON array of strings; nil when there are none.
    package var tags: String?
    /// `compliance` as a JSON array of strings; nil when there are none.
    package var compliance: String?
    /// What free-text search matches: description, comment and the metadata JSON, joined by
    /// newlines and lower-cased (see ``searchText(_:)``); nil when the event has none of them.
    package var searchText: String?

    package init(_ event: AuditEvent) {
        self.init(event, metadataJSON: event.metadata.map(CanonicalJSON.encode))
    }

    /// With the metadata's canonical bytes already at hand (see ``PreparedAuditEvent``).
    init(_ event: AuditEvent, metadataJSON: [UInt8]?) {
        ip = event.actor?.ip.flatMap(AuditIPAddress.init).map(\.mapped)
        tags = Self.jsonArray(event.tags)
        compliance = Self.jsonArray(event.compliance)
        searchText = Self.searchText(event, metadataJSON: metadataJSON)
    }

    static func jsonArray(_ values: [String]) -> String? {
        guard !values.isEmpty else { return nil }
        return String(decoding: CanonicalJSON.encode(.array(values.map(JSONValue.string))), as: UTF8.self)
    }

    /// Description, comment and the metadata JSON, joined by newlines and lower-cased
    /// (`String.lowercased()`; ASCII text is lower-cased byte by byte, which gives the same result
    /// without the Unicode machinery).
    package static func searchText(_ event: AuditEvent) -> String? {
        searchText(event, metadataJSON: event.metadata.map(CanonicalJSON.encode))
    }

    static func searchText(_ event: AuditEvent, metadataJSON: [UInt8]?) -> String? {
        guard event.description != nil || event.comment != nil || metadataJSON != nil else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((event.description?.utf8.count ?? 0) + (event.comment?.utf8.count ?? 0) + 64)
        var first = true
        func add(_ part: some Sequence<UInt8>) {
            if !first { bytes.append(UInt8(ascii: "\n")) }
            first = false
            bytes.append(contentsOf: part)
        }
        if let description = event.description { add(description.utf8) }
        if let comment = event.comment { add(comment.utf8) }
        if let metadataJSON { add(metadataJSON) }
        var ascii = true
        for index in bytes.indices {
            let byte = bytes[index]
            if byte >= 0x80 {
                ascii = false
                break
            }
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { bytes[index] = byte + 32 }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return ascii ? text : text.lowercased()
    }
}
