import AuditTrail
import Testing

@Suite("Typed event helpers")
struct AuditEventHelpersTests {
    static let user = AuditEvent.Actor(id: "u-7", name: "alice", ip: "203.0.113.9")
    static let doc = AuditEvent.Resource(type: "document", id: "42")

    /// Every helper, with the action, category and outcome it must give after validation.
    static let cases: [(AuditEventInput, String, String, AuditOutcome)] = [
        (.login(user, method: "password"), "auth.login", "authentication", .success),
        (.loginFailure(user, reason: "bad_password"), "auth.login.failure", "authentication", .failure),
        (.logout(user), "auth.logout", "authentication", .success),
        (.tokenCreated("t-1", by: user, scopes: ["read"]), "auth.token.created", "authentication", .success),
        (.tokenRevoked("t-1", by: user, reason: "leaked"), "auth.token.revoked", "authentication", .success),
        (.authorization("invoice.approve", on: doc, by: user, granted: true), "authz.granted", "authorization", .success),
        (.authorization("invoice.approve", on: doc, by: user, granted: false), "authz.denied", "authorization", .denied),
        (.roleChanged(of: "u-9", by: user, before: ["viewer"], after: ["editor"]), "authz.role.changed", "authorization", .success),
        (
            .permissionChanged(of: .user("u-9"), by: user, before: ["read"], after: ["read", "write"]), "authz.permission.changed", "authorization",
            .success
        ),
        (.userCreated("u-9", by: user, after: ["email": "b@example.com"]), "user.created", "user_management", .success),
        (.userUpdated("u-9", by: user, before: ["name": "B"], after: ["name": "Bo"]), "user.updated", "user_management", .success),
        (.userDeleted("u-9", by: user), "user.deleted", "user_management", .success),
        (.passwordChanged(of: "u-7"), "user.password.changed", "user_management", .success),
        (.passwordReset(of: "u-9", by: user, method: "email_link"), "user.password.reset", "user_management", .success),
        (.twoFactor(enabled: true, for: "u-7", method: "totp"), "user.2fa.enabled", "user_management", .success),
        (.twoFactor(enabled: false, for: "u-7"), "user.2fa.disabled", "user_management", .success),
        (.dataRead(doc, by: user, recordCount: 3), "data.read", "data", .success),
        (.dataCreate(doc, by: user, after: ["title": "Q3"]), "data.create", "data", .success),
        (.dataUpdate(doc, by: user, before: ["title": "Q3"], after: ["title": "Q4"]), "data.update", "data", .success),
        (.dataDelete(doc, by: user, before: ["title": "Q4"]), "data.delete", "data", .success),
        (.dataExport(doc, by: user, format: "csv", recordCount: 1000), "data.export", "data", .success),
        (.adminAction("Disabled sign-ups", by: user, before: ["signups": true], after: ["signups": false]), "admin.action", "admin", .success),
        (.configChange("smtp.host", by: user, before: nil, after: "mail-1"), "config.created", "configuration", .success),
        (.configChange("smtp.host", by: user, before: "mail-1", after: "mail-2"), "config.updated", "configuration", .success),
        (.configChange("smtp.host", by: user, before: "mail-2", after: nil), "config.deleted", "configuration", .success),
        (
            .purchase(by: user, amountMinorUnits: 1999, currency: "EUR", product: "pro", transactionID: "tx-1"),
            "billing.purchase.completed", "billing", .success
        ),
        (
            .purchase(by: user, amountMinorUnits: 1999, currency: "EUR", product: "pro", transactionID: "tx-2", succeeded: false),
            "billing.purchase.failed", "billing", .failure
        ),
        (.refund(of: "tx-1", amountMinorUnits: 1999, currency: "EUR", reason: "duplicate"), "billing.refund.issued", "billing", .success),
        (.subscription(.created, "sub-1", plan: "pro", by: user), "billing.subscription.created", "billing", .success),
        (.subscription(.cancelled, "sub-1", by: user), "billing.subscription.cancelled", "billing", .success),
        (.securityEvent(.rateLimitExceeded, description: "120 logins/min", actor: user), "security.rate_limit_exceeded", "security", .denied),
        (.securityEvent(.init("impossible_travel"), description: "two countries in 5 min"), "security.impossible_travel", "security", .denied),
        (
            .commit("9fceb02", in: "ml/models", by: user, branch: "main", message: "Retrain", files: ["model.bin"]), "repo.commit", "version_control",
            .success
        ),
        (.push(to: "ml/models", branch: "main", commits: ["9fceb02"], by: user, files: ["model.bin"]), "repo.push", "version_control", .success),
        (
            .pullRequest(.opened, number: 12, in: "ml/models", by: user, title: "New model", files: ["a.py"]), "repo.pull_request.opened",
            "version_control", .success
        ),
        (.pullRequest(.merged, number: 12, in: "ml/models", by: user), "repo.pull_request.merged", "version_control", .success),
        (.merge("feature", into: "main", in: "ml/models", by: user, files: ["a.py"]), "repo.merge", "version_control", .success),
        (.clone("ml/models", by: user), "repo.clone", "version_control", .success),
        (.clone("ml/models", by: user, fetch: true), "repo.fetch", "version_control", .success),
        (.comment(on: "pr/12", in: "ml/models", by: user, text: "LGTM", files: ["a.py"]), "repo.comment", "version_control", .success),
    ]

    @Test(arguments: cases.indices)
    func everyHelperGivesAValidEventWithItsAction(_ index: Int) throws {
        let (input, action, category, outcome) = Self.cases[index]
        let event = try AuditEventValidator().prepare(input).event
        #expect(event.action == action)
        #expect(event.category == category)
        #expect(event.outcome == outcome)
    }

    @Test func helpersKeepTheirFacts() throws {
        let validator = AuditEventValidator()
        let purchase = try validator.prepare(.purchase(amountMinorUnits: 1999, currency: "EUR", product: "pro", transactionID: "tx-1")).event
        #expect(purchase.metadata?.objectValue?["amount_minor"] == .int(1999))
        #expect(purchase.resource == .init(type: "transaction", id: "tx-1"))
        #expect(purchase.compliance == ["PCI-DSS"])

        let commit = try validator.prepare(.commit("9fceb02", in: "ml/models", message: "Retrain", files: ["model.bin", "eval.py"])).event
        #expect(commit.files == ["model.bin", "eval.py"])
        #expect(commit.comment == "Retrain")
        #expect(commit.metadata?.objectValue?["commit"] == .string("9fceb02"))

        let update = try validator.prepare(.dataUpdate(Self.doc, before: ["title": "Q3"], after: nil)).event
        #expect(update.changes?.before == ["title": "Q3"])
        #expect(update.changes?.after == nil)
        let read = try validator.prepare(.dataRead(Self.doc)).event
        #expect(read.changes == nil && read.metadata == nil)

        // Secrets in before/after are redacted by the one validator, as for any producer.
        let created = try validator.prepare(.userCreated("u-9", after: ["email": "b@example.com", "password": "hunter2"])).event
        #expect(created.changes?.after?.objectValue?["password"] != .string("hunter2"))
        #expect(!created.redacted.isEmpty)
    }
}
