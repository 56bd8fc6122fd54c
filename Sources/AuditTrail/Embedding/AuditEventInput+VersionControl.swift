/// Typed helpers for version control of code, data and models: commits, pushes, pull requests,
/// merges, clones and comments, each with the files it changed (`files`, searchable).
///
/// ```swift
/// audit.record(.commit("9fceb02", in: "ml/models", by: dev, branch: "main", message: "Retrain", files: ["model.bin"]))
/// audit.record(.pullRequest(.merged, number: 12, in: "ml/models", by: dev, files: ["model.bin"]))
/// ```
extension AuditEventInput {
    /// `repo.commit`: commit `commitID` on `branch`; the message is the event's comment.
    public static func commit(
        _ commitID: String,
        in repository: String,
        by actor: AuditEvent.Actor? = nil,
        branch: String? = nil,
        message: String? = nil,
        files: [String] = []
    ) -> AuditEventInput {
        AuditEventInput(
            action: "repo.commit",
            actor: actor,
            resource: .repository(repository),
            files: files,
            comment: message,
            metadata: .fields(["commit": commitID, "branch": branch])
        )
    }

    /// `repo.push`: `commits` pushed to `branch`.
    public static func push(
        to repository: String,
        branch: String,
        commits: [String] = [],
        by actor: AuditEvent.Actor? = nil,
        files: [String] = []
    ) -> AuditEventInput {
        var metadata: [String: JSONValue] = ["branch": .string(branch)]
        if !commits.isEmpty { metadata["commits"] = .array(commits.map(JSONValue.string)) }
        return AuditEventInput(action: "repo.push", actor: actor, resource: .repository(repository), files: files, metadata: .object(metadata))
    }

    /// `repo.pull_request.<change>` for pull request `number`.
    public static func pullRequest(
        _ change: AuditPullRequestChange,
        number: Int,
        in repository: String,
        by actor: AuditEvent.Actor? = nil,
        title: String? = nil,
        files: [String] = []
    ) -> AuditEventInput {
        AuditEventInput(
            action: "repo.pull_request." + change.name,
            description: title,
            actor: actor,
            resource: .repository(repository),
            files: files,
            metadata: ["pull_request": .int(Int64(number))]
        )
    }

    /// `repo.merge`: `source` merged into `target`.
    public static func merge(
        _ source: String,
        into target: String,
        in repository: String,
        by actor: AuditEvent.Actor? = nil,
        files: [String] = []
    ) -> AuditEventInput {
        AuditEventInput(
            action: "repo.merge",
            actor: actor,
            resource: .repository(repository),
            files: files,
            metadata: ["source": .string(source), "target": .string(target)]
        )
    }

    /// `repo.clone`, or `repo.fetch` when `fetch` is true (a pull of new objects).
    public static func clone(_ repository: String, by actor: AuditEvent.Actor? = nil, fetch: Bool = false) -> AuditEventInput {
        AuditEventInput(action: fetch ? "repo.fetch" : "repo.clone", actor: actor, resource: .repository(repository))
    }

    /// `repo.comment` on `target` (a commit, a pull request, a file line); the text is the comment.
    public static func comment(
        on target: String,
        in repository: String,
        by actor: AuditEvent.Actor? = nil,
        text: String,
        files: [String] = []
    ) -> AuditEventInput {
        AuditEventInput(
            action: "repo.comment",
            actor: actor,
            resource: .repository(repository),
            files: files,
            comment: text,
            metadata: ["target": .string(target)]
        )
    }
}

/// What happened to a pull request: the last segment of its `repo.pull_request.*` action.
public struct AuditPullRequestChange: Sendable, Hashable {
    /// The action's last segment.
    public let name: String
    /// A change of the app's own, e.g. `"reviewed"`.
    public init(_ name: String) { self.name = name }
    /// `repo.pull_request.opened`.
    public static let opened = AuditPullRequestChange("opened")
    /// `repo.pull_request.merged`.
    public static let merged = AuditPullRequestChange("merged")
    /// `repo.pull_request.closed`.
    public static let closed = AuditPullRequestChange("closed")
}

extension AuditEvent.Resource {
    /// A repository (of code, data or models) as the resource of an event.
    public static func repository(_ name: String) -> AuditEvent.Resource { .init(type: "repository", id: name) }
}
