import AuditTrail
import AuditTrailPostgres
import Testing

/// The database URL, read without a server.
@Suite struct PostgresConfigurationTests {
    @Test func aURLGivesEveryPartWithEscapesDecoded() throws {
        let configuration = try PostgresAuditStore.Configuration(
            url: "postgresql://app%40corp:p%2Bss+w@[::1]:6543/audit%20log?sslmode=require&schema=log_2"
        )
        #expect(configuration.username == "app@corp")
        #expect(configuration.password == "p+ss+w")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "audit log")
        #expect(configuration.tls == .require)
        #expect(configuration.schema == "log_2")
    }

    @Test(arguments: [
        "mysql://u@h/d", "postgres://u@h", "postgres://@h/d", "postgres://u@h:0/d", "postgres://u@h/d?sslmode=maybe",
        "postgres://u@h/d?schema=Bad-Name", "postgres://u@h/d?colour=red", "postgres://u:%zz@h/d",
    ])
    func aBadURLIsRefusedNamingTheRule(_ url: String) {
        #expect(throws: AuditTrailError.self) { try PostgresAuditStore.Configuration(url: url) }
    }
}
