import AuditTrail

/// Writes small JSON responses by hand, straight into bytes: the hot path never touches
/// `JSONEncoder`. Strings go through the canonical encoder's escaping. Shared by the read routes,
/// the problem bodies and the server (`package`: not a promise to apps).
package struct AuditJSONWriter {
    /// The JSON written so far.
    package private(set) var bytes: [UInt8] = []
    /// Whether the next member of the innermost object or array needs a comma first.
    private var needsComma = false

    /// An empty writer with room for `capacity` bytes.
    package init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

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
    package mutating func object(_ name: String? = nil, _ body: (inout AuditJSONWriter) -> Void) {
        if let name { key(name) } else { separate() }
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[ … ]`, as a member (with a name) or as a value.
    package mutating func array(_ name: String? = nil, _ body: (inout AuditJSONWriter) -> Void) {
        if let name { key(name) } else { separate() }
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A string member (`null` for nil).
    package mutating func string(_ name: String, _ value: String?) {
        key(name)
        if let value { CanonicalJSON.writeString(value, into: &bytes) } else { bytes += "null".utf8 }
    }

    /// A string element of an array.
    package mutating func element(_ value: String) {
        separate()
        CanonicalJSON.writeString(value, into: &bytes)
    }

    /// An integer member (`null` for nil).
    package mutating func int(_ name: String, _ value: Int64?) {
        key(name)
        if let value { CanonicalJSON.writeInt(value, into: &bytes) } else { bytes += "null".utf8 }
    }

    /// A boolean member.
    package mutating func bool(_ name: String, _ value: Bool) {
        key(name)
        bytes += (value ? "true" : "false").utf8
    }

    /// An RFC 3339 time member (`null` for nil).
    package mutating func time(_ name: String, _ value: AuditTime?) {
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
    package mutating func raw(_ name: String?, _ json: [UInt8]) {
        if let name { key(name) } else { separate() }
        bytes += json
    }
}
