extension AuditAlertRule {
    /// The rules every log has, on unless switched off (`PATCH /v1/alert-rules/{id}`,
    /// `audittrail alerts disable ID`):
    ///
    /// - `builtin.failed-login-burst`: 5 failed sign-ins from one `actor.ip` within 60 s;
    /// - `builtin.denied-burst`: 10 denied actions by one `actor.id` within 60 s;
    /// - `builtin.key-new-ip`: an API key used from an address it was never used from before. The
    ///   address a key is used from is in no event (a key's requests are not events), so the
    ///   server evaluates this rule where it sees it, as each request is authenticated
    ///   (``AuditKeyAddressWatch``); its query, `ingested_by`-free, names what it watches.
    /// The id of the built-in rule evaluated where keys are authenticated, not on events.
    public static let keyNewAddressID = builtInPrefix + "key-new-ip"

    public static let builtIn: [AuditAlertRule] = [
        AuditAlertRule(
            id: builtInPrefix + "failed-login-burst",
            name: "Failed sign-in burst from one address",
            query:
                "action:user.login_failed OR action:auth.login.failure OR (action:user.login outcome:failure) OR (action:auth.login outcome:failure)",
            threshold: 5,
            windowSeconds: 60,
            groupBy: .actorIP,
            createdAt: AuditTime(milliseconds: 0),
            createdBy: "audittrail"
        ),
        AuditAlertRule(
            id: builtInPrefix + "denied-burst",
            name: "Denied-access burst by one actor",
            query: "outcome:denied",
            threshold: 10,
            windowSeconds: 60,
            groupBy: .actorID,
            createdAt: AuditTime(milliseconds: 0),
            createdBy: "audittrail"
        ),
        AuditAlertRule(
            id: keyNewAddressID,
            name: "API key used from a new address",
            query: "actor.type:api_key",
            kind: .newValue,
            threshold: 1,
            windowSeconds: 60,
            groupBy: .actorID,
            valueField: .actorIP,
            createdAt: AuditTime(milliseconds: 0),
            createdBy: "audittrail"
        ),
    ]
}
