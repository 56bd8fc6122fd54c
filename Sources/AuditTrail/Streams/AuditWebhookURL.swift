/// The rule a webhook URL must meet — `https://` and a host, or `http://` to a loopback host
/// (`127.x.x.x`, `localhost`, `[::1]`, with an optional port); no user info, fragment or white
/// space. The OpenAPI document states the same rule as a pattern.
enum AuditWebhookURL {
    /// Why `url` is refused, or nil when it is accepted.
    static func problem(_ url: String) -> String? {
        let secure = url.hasPrefix("https://")
        guard secure || url.hasPrefix("http://") else { return "must be an https:// URL (http:// only to a loopback host)" }
        guard !url.contains(where: { $0.isWhitespace || $0 == "#" }) else { return "must have no fragment and no white space" }
        let rest = url.dropFirst(secure ? 8 : 7)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard let first = authority.first, first != ":", !authority.contains("@") else { return "must have a host and no user info" }
        if !secure, !isLoopback(authority) {
            return "must be https:// (http:// is accepted for 127.0.0.1, [::1] and localhost only)"
        }
        return nil
    }

    /// `127.<digits and dots>`, `localhost` or `[::1]`, then optionally `:` and 1–5 digits.
    static func isLoopback(_ authority: Substring) -> Bool {
        var host = authority
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard (1...5).contains(port.count), port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else { return false }
            host = authority[..<colon]
        }
        if host == "localhost" || host == "[::1]" { return true }
        return host.hasPrefix("127.") && host.dropFirst(4).allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) } && host.count > 4
    }
}
