import AuditTrail

/// One of the read routes of ``AuditReadRoutes``, as handed to its authorization hook: the hook
/// decides who may use it and what they may see (``AuditReadAccess``).
///
/// ```swift
/// authorize: { route, request, context in
///     guard let user = context.identity, user.isAdmin || !route.needsVerifyRight else {
///         throw AuditProblem.forbidden("cannot \(route.activity)")
///     }
///     return AuditReadAccess(actor: .init(id: user.id, type: "user"))
/// }
/// ```
public enum AuditReadRoute: String, Sendable, CaseIterable {
    /// `GET /events`: the query.
    case events
    /// `GET /events/{id}`: one event.
    case event
    /// `GET /stats`: aggregates.
    case stats
    /// `GET /stream`: the live tail (Server-Sent Events).
    case stream
    /// `GET /event-types`: the catalog and the actions seen.
    case eventTypes
    /// `GET /severities`: the five levels.
    case severities
    /// `GET /checkpoints/latest`: the newest signed tree head.
    case checkpoint
    /// `GET /proofs/inclusion`: an RFC 6962 audit path.
    case inclusionProof
    /// `GET /proofs/consistency`: an RFC 6962 consistency proof.
    case consistencyProof
    /// `POST /verify`: re-hash the stored log.
    case verify

    /// The method and path template under the mount point (`GET /events/{id}`).
    public var methodAndPath: (method: String, path: String) {
        switch self {
        case .events: ("GET", "/events")
        case .event: ("GET", "/events/{id}")
        case .stats: ("GET", "/stats")
        case .stream: ("GET", "/stream")
        case .eventTypes: ("GET", "/event-types")
        case .severities: ("GET", "/severities")
        case .checkpoint: ("GET", "/checkpoints/latest")
        case .inclusionProof: ("GET", "/proofs/inclusion")
        case .consistencyProof: ("GET", "/proofs/consistency")
        case .verify: ("POST", "/verify")
        }
    }

    /// What the route does, for a 403's detail: `read events`, `read proofs`, `verify the log`.
    public var activity: String {
        switch self {
        case .events, .event, .stats, .stream, .eventTypes, .severities: "read events"
        case .checkpoint: "read checkpoints"
        case .inclusionProof, .consistencyProof: "read proofs"
        case .verify: "verify the log"
        }
    }

    /// Whether the route needs more than the right to read: only ``verify`` (it re-hashes the
    /// whole log; API.md gives it to admins and auditors).
    public var needsVerifyRight: Bool { self == .verify }
}

/// What the authorization hook of ``AuditReadRoutes`` grants for one request.
public struct AuditReadAccess: Sendable, Hashable {
    /// Who reads: the actor of the `audit.query` / `audit.verify` event recorded about the read;
    /// nil records nothing ("who watched the watchers" needs a name).
    public var actor: AuditEvent.Actor?
    /// When set, only events whose `actor.id` equals it are visible (API.md's viewer keys); an
    /// event of another actor is a 404, as if it did not exist.
    public var visibleActorID: String?

    /// Access for `actor`, optionally narrowed to one actor's events.
    public init(actor: AuditEvent.Actor?, visibleActorID: String? = nil) {
        self.actor = actor
        self.visibleActorID = visibleActorID
    }
}
