#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One posting list of the search index: a field (``Kind``) and a value. The set of events with
/// that value is kept per chunk as an ``AuditSeqSet``.
///
/// Every key is derived from an event's canonical bytes by ``AuditIndexTerms`` alone, so the index
/// can be checked against the events and rebuilt from them.
public struct AuditIndexKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The indexed fields. The raw values are stored: never renumber, only add.
    public enum Kind: UInt8, Sendable, Hashable, CaseIterable, Comparable {
        case action = 1
        case category = 2
        /// `success`, `failure`, `denied`.
        case outcome = 3
        /// The severity's name.
        case severity = 4
        /// `actor.id`.
        case actor = 5
        case actorName = 6
        case actorType = 7
        case resourceType = 8
        case resourceID = 9
        case correlationID = 10
        /// `location.country`, upper-case.
        case country = 11
        case tag = 12
        case compliance = 13
        /// A prefix of the actor's address (see ``AuditIndexTerms/ipKeys(_:)``).
        case ip = 14
        /// A word of the description, the comment or a metadata value (``AuditTokenizer``).
        case word = 15
        /// `risk_score`, in decimal.
        case risk = 16

        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    public var kind: Kind
    public var value: String

    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// Byte-for-byte, as stores compare keys.
    public static func == (a: AuditIndexKey, b: AuditIndexKey) -> Bool {
        a.kind == b.kind && compareBytes(a.value, b.value) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        Self.withBytes(value) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// By kind, then by the value's UTF-8 bytes (SQLite's BINARY order).
    public static func < (a: AuditIndexKey, b: AuditIndexKey) -> Bool {
        a.kind != b.kind ? a.kind < b.kind : compareBytes(a.value, b.value) < 0
    }

    /// The order of two strings' UTF-8 bytes: negative, zero or positive. Native strings are read
    /// in place (no copy, no retain: this runs for every probe of a chunk's key table and every
    /// tie of its sort).
    package static func compareBytes(_ a: String, _ b: String) -> Int {
        withBytes(a) { x in
            withBytes(b) { y in
                let shared = min(x.count, y.count)
                if shared > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let order = memcmp(p, q, shared)
                    if order != 0 { return Int(order) }
                }
                return x.count - y.count
            }
        }
    }

    /// Calls `body` with the UTF-8 bytes of `text`: in place for a native string, else from a copy.
    @inline(__always)
    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
    }

    public var description: String { "\(kind)=\(value)" }
}
