/// The rule a webhook URL must meet: `https://` with a host, or `http://` to a loopback host
/// (a receiver on the same machine); no user info, no fragment.
enum AuditWebhookURL {
    /// Why `url` is refused, or nil when it is accepted.
    static func problem(_ url: String) -> String? {
        let lower = url.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            return "must be an https:// URL (http:// only to a loopback host)"
        }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@"), !url.contains("#"), !url.contains(where: \.isWhitespace) else {
            return "must have a host, and no user info, fragment or spaces"
        }
        let host = host(of: authority)
        guard !host.isEmpty else { return "must have a host" }
        if scheme == "http", !isLoopback(host) {
            return "must be https:// (http:// is accepted for 127.0.0.1, ::1 and localhost only)"
        }
        return nil
    }

    /// The host of an authority (`[::1]:8080` → `::1`, `a.example:443` → `a.example`).
    static func host(of authority: Substring) -> String {
        if authority.hasPrefix("[") { return String(authority.dropFirst().prefix { $0 != "]" }) }
        return String(authority.prefix { $0 != ":" })
    }

    static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        return lower == "localhost" || lower == "::1" || lower.hasPrefix("127.")
    }
}
