import AuditTrail

/// Writes small JSON responses by hand, straight into bytes: the hot path never touches
/// `JSONEncoder`. Strings go through the canonical encoder's escaping.
struct AuditJSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the next member of the innermost object or array needs a comma first.
    private var needsComma = false

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func key(_ name: String) {
        separate()
        CanonicalJSON.writeString(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// `{ … }`, as a value of the enclosing array (or the top level when `name` is nil).
    mutating func object(_ name: String? = nil, _ body: (inout AuditJSONWriter) -> Void) {
        if let name { key(name) } else { separate() }
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[ … ]`, as a member (with a name) or as a value.
    mutating func array(_ name: String? = nil, _ body: (inout AuditJSONWriter) -> Void) {
        if let name { key(name) } else { separate() }
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func string(_ name: String, _ value: String?) {
        key(name)
        if let value { CanonicalJSON.writeString(value, into: &bytes) } else { bytes += "null".utf8 }
    }

    /// A string element of an array.
    mutating func element(_ value: String) {
        separate()
        CanonicalJSON.writeString(value, into: &bytes)
    }

    mutating func int(_ name: String, _ value: Int64?) {
        key(name)
        if let value { CanonicalJSON.writeInt(value, into: &bytes) } else { bytes += "null".utf8 }
    }

    mutating func bool(_ name: String, _ value: Bool) {
        key(name)
        bytes += (value ? "true" : "false").utf8
    }

    mutating func time(_ name: String, _ value: AuditTime?) {
        key(name)
        guard let value else {
            bytes += "null".utf8
            return
        }
        bytes.append(UInt8(ascii: "\""))
        value.write(into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Splices an already-encoded JSON value (e.g. a stored event) as a member or array element.
    mutating func raw(_ name: String?, _ json: [UInt8]) {
        if let name { key(name) } else { separate() }
        bytes += json
    }
}
