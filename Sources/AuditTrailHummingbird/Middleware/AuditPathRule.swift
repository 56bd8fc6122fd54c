import AuditTrail
import HTTPTypes

/// Names the action of the requests a pattern matches, instead of the method's default
/// (`data.create` for a POST): `POST /login` → `auth.login`.
///
/// A login rule also turns a 401 at its path into `auth.login.failure`. A 403 is `authz.denied`
/// whatever the rule says.
///
/// ```swift
/// let rules: [AuditPathRule] = [
///     .login(.exact("/login")),
///     .logout(.exact("/logout")),
///     AuditPathRule(method: .post, pattern: .route("/invoices/{id}/pay"), action: "billing.purchase.completed"),
/// ]
/// ```
public struct AuditPathRule: Sendable, Hashable {
    /// The method it applies to; nil for every method.
    public var method: HTTPRequest.Method?
    /// The requests it applies to.
    public var pattern: AuditPathPattern
    /// The action recorded (dotted lower case, see ``AuditEventInput/action``).
    public var action: String
    /// Whether a 401 here is a failed sign-in (`auth.login.failure`).
    public var isLogin: Bool

    /// A rule recording `action` for `method` (nil: any method) on `pattern`.
    public init(method: HTTPRequest.Method?, pattern: AuditPathPattern, action: String, isLogin: Bool = false) {
        self.method = method
        self.pattern = pattern
        self.action = action
        self.isLogin = isLogin
    }

    /// `POST` on `pattern` is `auth.login`; a 401 there is `auth.login.failure`.
    public static func login(_ pattern: AuditPathPattern) -> AuditPathRule {
        AuditPathRule(method: .post, pattern: pattern, action: "auth.login", isLogin: true)
    }

    /// `POST` on `pattern` is `auth.logout`.
    public static func logout(_ pattern: AuditPathPattern) -> AuditPathRule {
        AuditPathRule(method: .post, pattern: pattern, action: "auth.logout")
    }

    /// Whether the rule applies to this request.
    func matches(method: HTTPRequest.Method, path: Substring.UTF8View, route: String?) -> Bool {
        if let own = self.method, own != method { return false }
        return pattern.matches(path: path, route: route)
    }
}
