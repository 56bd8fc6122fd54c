/// What an action did to its resource, as SIEM schemas classify it (create, read, update, delete):
/// from the action's last segments (`document.created`, `data.read`, `user.password.reset`) or,
/// for HTTP events (`http.post`), the request's method. OCSF's activity ids and CEF's `act`
/// classification read it.
///
/// ```swift
/// AuditActionVerb(action: "document.updated", method: nil)   // .update
/// AuditActionVerb(action: "http.request", method: "DELETE")  // .delete
/// ```
public enum AuditActionVerb: String, Sendable, CaseIterable {
    case create, read, update, delete
    /// None of the four (a login, a run that started, a payment).
    case other

    public init(action: String, method: String?) {
        let segments = action.split(separator: ".")
        // The last segment that names a verb wins: `document.share.revoked` is a delete,
        // `data.read` a read; `http.*` events fall back to the request's method.
        for segment in segments.reversed() {
            if let verb = Self.verbs[String(segment)] {
                self = verb
                return
            }
        }
        if let method, let verb = Self.methods[method.uppercased()] {
            self = verb
            return
        }
        self = .other
    }

    static let methods: [String: AuditActionVerb] = [
        "POST": .create, "GET": .read, "HEAD": .read, "PUT": .update, "PATCH": .update, "DELETE": .delete,
    ]

    static let verbs: [String: AuditActionVerb] = {
        var out: [String: AuditActionVerb] = [:]
        let table: [(AuditActionVerb, [String])] = [
            (
                .create,
                [
                    "create", "created", "add", "added", "insert", "inserted", "upload", "uploaded", "import", "imported", "new",
                    "opened", "register", "registered", "post", "invite", "invited", "issue", "issued", "provision", "provisioned",
                ]
            ),
            (
                .read,
                [
                    "read", "get", "view", "viewed", "list", "listed", "download", "downloaded", "export", "exported", "search",
                    "searched", "query", "queried", "clone", "cloned", "fetch", "fetched", "access", "accessed", "open", "head",
                ]
            ),
            (
                .update,
                [
                    "update", "updated", "modify", "modified", "change", "changed", "edit", "edited", "patch", "put", "set",
                    "rename", "renamed", "move", "moved", "merge", "merged", "replace", "replaced", "reset", "refreshed",
                    "activated", "deactivated", "enabled", "disabled", "assign", "assigned", "unassign", "unassigned",
                    "grant", "granted", "push", "pushed",
                ]
            ),
            (
                .delete,
                [
                    "delete", "deleted", "remove", "removed", "destroy", "destroyed", "purge", "purged", "revoke", "revoked",
                    "erase", "erased", "drop", "dropped", "archive", "archived",
                ]
            ),
        ]
        for (verb, words) in table { for word in words { out[word] = verb } }
        return out
    }()
}
