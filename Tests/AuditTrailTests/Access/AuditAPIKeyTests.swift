import AuditTrail
import Crypto
import Testing

@Suite("AuditAPIKey")
struct AuditAPIKeyTests {
    @Test("generates a record and a one-time secret", arguments: [AuditRole.admin, .auditor, .writer])
    func generatesKeys(role: AuditRole) throws {
        let now = fixedReceipt
        let (key, secret) = try AuditAPIKey.generate(name: "ci", role: role, now: now)
        #expect(key.name == "ci")
        #expect(key.role == role)
        #expect(key.subject == nil)
        #expect(key.createdAt == now)
        #expect(key.revokedAt == nil)
        #expect(key.id.hasPrefix("key_"))
        #expect(key.id.count == 4 + 16)
        #expect(key.id.dropFirst(4).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(secret.hasPrefix("atk_"))
        #expect(secret.count == 4 + 43)  // 32 random bytes in unpadded base64url
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(secret.dropFirst(4).allSatisfy { alphabet.contains($0) })
        #expect(!secret.contains(key.id))
    }

    @Test("a viewer key needs a subject")
    func viewerNeedsSubject() throws {
        let (key, _) = try AuditAPIKey.generate(name: "alice's view", role: .viewer, subject: "u-123")
        #expect(key.subject == "u-123")
        #expect(fieldNames { () throws(AuditTrailError) in try AuditAPIKey.generate(name: "v", role: .viewer) } == ["subject"])
        #expect(fieldNames { () throws(AuditTrailError) in try AuditAPIKey.generate(name: "v", role: .viewer, subject: "") } == ["subject"])
    }

    @Test("other roles must not have a subject", arguments: [AuditRole.admin, .auditor, .writer])
    func othersHaveNoSubject(role: AuditRole) {
        #expect(fieldNames { () throws(AuditTrailError) in try AuditAPIKey.validate(name: "k", role: role, subject: "u-1") } == ["subject"])
    }

    @Test("names and subjects are bounded")
    func validatesLengths() {
        #expect(fieldNames { () throws(AuditTrailError) in try AuditAPIKey.validate(name: "", role: .admin, subject: nil) } == ["name"])
        let long = String(repeating: "n", count: 129)
        #expect(fieldNames { () throws(AuditTrailError) in try AuditAPIKey.validate(name: long, role: .admin, subject: nil) } == ["name"])
        let subject = String(repeating: "s", count: 257)
        #expect(fieldNames { () throws(AuditTrailError) in try AuditAPIKey.validate(name: "v", role: .viewer, subject: subject) } == ["subject"])
        #expect(
            fieldNames { () throws(AuditTrailError) in
                try AuditAPIKey.validate(name: String(repeating: "n", count: 128), role: .viewer, subject: String(repeating: "s", count: 256))
            } == nil
        )
    }

    @Test("secrets are unique and hash to their SHA-256 hex")
    func hashesSecrets() throws {
        var secrets = Set<String>()
        var ids = Set<String>()
        for _ in 0..<100 {
            let (key, secret) = try AuditAPIKey.generate(name: "k", role: .writer)
            secrets.insert(secret)
            ids.insert(key.id)
        }
        #expect(secrets.count == 100)
        #expect(ids.count == 100)
        let secret = try #require(secrets.first)
        let hash = AuditAPIKey.hash(secret: secret)
        #expect(hash == AuditHex.string(SHA256.hash(data: Array(secret.utf8))))
        #expect(hash.count == 64)
        #expect(AuditAPIKey.hash(secret: secret) == hash)
        #expect(AuditAPIKey.hash(secret: secret + "x") != hash)
        #expect(AuditAPIKey.hash(secret: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(
        "roles grant what API.md says",
        arguments: [
            (AuditRole.admin, true, true, true, true),
            (.auditor, false, true, true, false),
            (.writer, true, false, false, false),
            (.viewer, false, true, false, false),
        ]
    )
    func rolesGrantRights(role: AuditRole, ingest: Bool, read: Bool, verify: Bool, administer: Bool) {
        #expect(role.canIngest == ingest)
        #expect(role.canRead == read)
        #expect(role.canVerify == verify)
        #expect(role.canAdminister == administer)
    }

    @Test("a principal carries the key's id, name, role and subject, never the secret")
    func principalFromKey() throws {
        let (key, secret) = try AuditAPIKey.generate(name: "v", role: .viewer, subject: "u-9")
        let principal = AuditPrincipal(key: key)
        #expect(principal == AuditPrincipal(keyID: key.id, name: "v", role: .viewer, subject: "u-9"))
        #expect(!String(describing: principal).contains(secret))
    }
}
