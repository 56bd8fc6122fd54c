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
        a.kind == b.kind && a.value.utf8.elementsEqual(b.value.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        let hashed: Void? = value.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil { Array(value.utf8).withUnsafeBytes { hasher.combine(bytes: $0) } }
    }

    public static func < (a: AuditIndexKey, b: AuditIndexKey) -> Bool {
        a.kind != b.kind ? a.kind < b.kind : CanonicalJSON.utf8Less(a.value, b.value)
    }

    public var description: String { "\(kind)=\(value)" }
}
