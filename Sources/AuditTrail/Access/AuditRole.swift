import Crypto

/// The four roles (see API.md).
public enum AuditRole: String, Sendable, CaseIterable, Codable {
    /// Everything.
    case admin
    /// Reads all events and verifies; no ingest, no keys.
    case auditor
    /// Ingest only.
    case writer
    /// Reads only events whose `actor.id` equals the key's subject.
    case viewer

    public var canIngest: Bool { self == .admin || self == .writer }
    public var canRead: Bool { self != .writer }
    public var canVerify: Bool { self == .admin || self == .auditor }
    public var canAdminister: Bool { self == .admin }
}
