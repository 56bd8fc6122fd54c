import AuditTrail
import Testing

@Suite("AuditRedactor")
struct AuditRedactorTests {
    let redactor = AuditRedactor()

    @Test(
        "recognises secret-looking keys",
        arguments: [
            "password", "Password", "user_password", "PASSWORD_HASH", "passwd", "pass-phrase", "client_secret", "secretKey",
            "token", "access_token", "refreshToken", "id.token", "api_key", "apiKey", "X-API-Key", "Authorization",
            "proxy-authorization", "cookie", "Set-Cookie", "private_key", "aws_access_key_id", "credentials",
            "credit_card", "card_number", "cvv", "session_key", "signature", "pwd", "PIN", "ssn", "auth", "otp", "key",
            "jwt", "bearer",
        ]
    )
    func recognisesSecrets(key: String) {
        #expect(redactor.isSecret(key))
    }

    @Test(
        "leaves ordinary keys alone",
        arguments: [
            "name", "email", "role", "keyboard", "monkey", "author", "spin", "pinned", "passage",
            "id", "user_agent", "accept", "content-type", "keys", "description",
        ]
    )
    func leavesOrdinaryKeys(key: String) {
        #expect(!redactor.isSecret(key))
    }

    @Test("redacts secrets at any depth, inside arrays, and reports each path")
    func redactsAtAnyDepth() {
        let value: JSONValue = [
            "user": "alice",
            "password": "hunter2",
            "nested": ["deeper": ["api_key": "k-1", "keep": 1]],
            "list": [["token": "t-1"], "plain", ["cookie": ["a": "b"]]],
            "empty_secret": nil,
            "secret": nil,
        ]
        var paths: [String] = []
        let clean = redactor.redact(value, at: "metadata", paths: &paths)
        #expect(
            clean == [
                "user": "alice",
                "password": "[REDACTED]",
                "nested": ["deeper": ["api_key": "[REDACTED]", "keep": 1]],
                "list": [["token": "[REDACTED]"], "plain", ["cookie": "[REDACTED]"]],
                "empty_secret": nil,
                "secret": nil,
            ]
        )
        #expect(
            paths == [
                "metadata.list[0].token", "metadata.list[2].cookie", "metadata.nested.deeper.api_key", "metadata.password",
            ]
        )
    }

    @Test(
        "a URL's password is redacted wherever the URL stands, the rest of it kept",
        arguments: [
            ("postgres://bob:pw@db/x", "postgres://bob:[REDACTED]@db/x"),
            ("mysql+pymysql://app:s3cr%40t@10.0.0.5:3306/main?ssl=true", "mysql+pymysql://app:[REDACTED]@10.0.0.5:3306/main?ssl=true"),
            ("https://user:p:w@host", "https://user:[REDACTED]@host"),
            ("redis://:onlypass@cache:6379", "redis://:[REDACTED]@cache:6379"),
            ("amqp://a:b@c@broker/vh", "amqp://a:[REDACTED]@broker/vh"),
        ]
    )
    func urlPasswords(text: String, expected: String) {
        var paths: [String] = []
        let value: JSONValue = ["db_url": .string(text), "list": [.string(text)], "note": "ok"]
        let clean = redactor.redact(value, at: "metadata", paths: &paths)
        #expect(clean["db_url"] == .string(expected))
        #expect(clean["list"]?.arrayValue?.first == .string(expected))
        #expect(clean["note"] == "ok")
        #expect(paths == ["metadata.db_url", "metadata.list[0]"])
        // Redacting again changes nothing.
        var again: [String] = []
        #expect(redactor.redact(clean, at: "metadata", paths: &again) == clean && again.isEmpty)
    }

    @Test(
        "strings that are not URLs with a password pass through",
        arguments: [
            "postgres://bob@db/x", "alice@example.com", "https://host/path?x=a:b@c", "https://host/p@th", "a:b@c",
            "1ab://u:p@h", "mailto:bob:x@example.com", "https://user:@host",
        ]
    )
    func notURLPasswords(text: String) {
        var paths: [String] = []
        #expect(redactor.redact(["v": .string(text)], at: "metadata", paths: &paths) == ["v": .string(text)])
        #expect(paths.isEmpty)
    }

    @Test("values that are not objects or arrays pass through")
    func scalarsPassThrough() {
        var paths: [String] = []
        #expect(redactor.redact("password", at: "metadata", paths: &paths) == "password")
        #expect(redactor.redact(5, at: "metadata", paths: &paths) == 5)
        #expect(paths.isEmpty)
    }

    @Test(
        "redacts query-string secrets in a request path",
        arguments: [
            ("/cb?token=abc&state=x", "/cb?token=[REDACTED]&state=x", true),
            ("/cb?state=x&access_token=abc", "/cb?state=x&access_token=[REDACTED]", true),
            ("/cb?api%5Fkey=abc", "/cb?api%5Fkey=[REDACTED]", true),
            ("/cb?a=1&&password=&b", "/cb?a=1&&password=[REDACTED]&b", true),
            ("/search?q=password", "/search?q=password", false),
            ("/users/token/7", "/users/token/7", false),
            ("/cb?state=x", "/cb?state=x", false),
            ("/cb?", "/cb?", false),
            // A query is bytes: a combining mark after `&` or `?` does not hide the pair behind it.
            ("/cb?a=1&\u{301}token=abc", "/cb?a=1&\u{301}token=[REDACTED]", true),
            ("/cb?\u{301}password=abc", "/cb?\u{301}password=[REDACTED]", true),
            ("/cb?Pass%77ord=abc&é=1", "/cb?Pass%77ord=[REDACTED]&é=1", true),
        ]
    )
    func redactsQueryStrings(path: String, expected: String, changed: Bool) {
        var paths: [String] = []
        #expect(redactor.redactQuery(inPath: path, at: "request.path", paths: &paths) == expected)
        #expect(paths == (changed ? ["request.path"] : []))
    }

    @Test("the validator redacts metadata, changes, headers and path, listing exactly those paths")
    func validatorRedactsEverywhere() throws {
        let input = AuditEventInput(
            action: "user.password.changed",
            description: "password changed",
            actor: .init(id: "u-1", name: "token"),
            changes: .init(before: ["password": "old", "role": "user"], after: [["secret": "new"], "x"]),
            request: .init(path: "/login?user=a&password=p", headers: ["Authorization": "Bearer x", "Accept": "*/*"]),
            metadata: ["note": "ok", "deep": ["list": [["otp": 123456]]]]
        )
        let event = try AuditEventValidator().validate(input, receivedAt: fixedReceipt)
        #expect(event.changes == .init(before: ["password": "[REDACTED]", "role": "user"], after: [["secret": "[REDACTED]"], "x"]))
        #expect(event.request?.headers == ["Authorization": "[REDACTED]", "Accept": "*/*"])
        #expect(event.request?.path == "/login?user=a&password=[REDACTED]")
        #expect(event.metadata == ["note": "ok", "deep": ["list": [["otp": "[REDACTED]"]]]])
        #expect(event.description == "password changed")
        #expect(event.actor?.name == "token")
        #expect(
            Set(event.redacted) == [
                "changes.before.password", "changes.after[0].secret", "request.headers.Authorization", "request.path",
                "metadata.deep.list[0].otp",
            ]
        )
        #expect(event.redacted.count == 5)
        let canonical = String(decoding: event.canonicalBytes, as: UTF8.self)
        for secret in ["\"old\"", "\"new\"", "Bearer x", "=p\"", "123456"] { #expect(!canonical.contains(secret)) }
    }

    @Test("a custom configuration adds and removes secret keys")
    func customConfiguration() {
        var configuration = AuditRedactor.Configuration()
        configuration.exact.append("iban")
        configuration.containing.removeAll { $0 == "signature" }
        let custom = AuditRedactor(configuration: configuration)
        #expect(custom.isSecret("IBAN"))
        #expect(!custom.isSecret("signature"))
        #expect(custom.isSecret("password"))
    }
}
