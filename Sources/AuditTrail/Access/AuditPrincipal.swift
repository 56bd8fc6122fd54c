import Crypto

/// Who is calling: a key's id, role and subject.
public struct AuditPrincipal: Sendable, Hashable {
    public var keyID: String
    public var name: String
    public var role: AuditRole
    public var subject: String?
    public init(keyID: String, name: String, role: AuditRole, subject: String?) {
        self.keyID = keyID
        self.name = name
        self.role = role
        self.subject = subject
    }
    public init(key: AuditAPIKey) {
        self.init(keyID: key.id, name: key.name, role: key.role, subject: key.subject)
    }
}
