import AuditTrail
import HTTPTypes
import Hummingbird
import NIOCore

/// The client's IP: the socket peer, or — only when the peer is a trusted proxy — the right-most
/// address in `Forwarded` (else `X-Forwarded-For`) that is not itself a trusted proxy.
enum AuditClientAddress {
    static let forwarded = HTTPField.Name("Forwarded")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The peer's address as text, when the context knows it (``RemoteAddressRequestContext``).
    static func peer(of context: some RequestContext) -> String? {
        guard let address = (context as? any RemoteAddressRequestContext)?.remoteAddress else { return nil }
        return address.ipAddress
    }

    static func resolve(peer: String?, headers: HTTPFields, trusted: [AuditCIDR]) -> String? {
        guard !trusted.isEmpty, let peer, let peerIP = AuditIPAddress(peer), isTrusted(peerIP, trusted) else { return peer }
        let hops: [Substring]
        if let value = forwardedValue(headers) {
            hops = value
        } else {
            let values = headers[values: forwardedFor]
            guard !values.isEmpty else { return peer }
            hops = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingASCIISpaces() }
        }
        var leftmost: AuditIPAddress?
        for hop in hops.reversed() {
            guard let ip = AuditIPAddress(stripPort(hop)) else { return peer }  // a garbled chain: believe only the peer
            if !isTrusted(ip, trusted) { return ip.description }
            leftmost = ip
        }
        return leftmost?.description ?? peer
    }

    private static func isTrusted(_ ip: AuditIPAddress, _ trusted: [AuditCIDR]) -> Bool {
        trusted.contains { $0.contains(ip) }
    }

    /// The `for=` values of RFC 7239 `Forwarded`, in order; nil when absent.
    private static func forwardedValue(_ headers: HTTPFields) -> [Substring]? {
        let values = headers[values: forwarded]
        guard !values.isEmpty else { return nil }
        var hops: [Substring] = []
        for element in values.flatMap({ $0.split(separator: ",") }) {
            for pair in element.split(separator: ";") {
                let pair = pair.trimmingASCIISpaces()
                guard pair.lowercased().hasPrefix("for=") else { continue }
                var value = pair.dropFirst(4)
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
                hops.append(value)
            }
        }
        return hops
    }

    /// `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.1:80` → `192.0.2.1`; others unchanged.
    static func stripPort(_ hop: Substring) -> Substring {
        if hop.hasPrefix("[") {
            guard let close = hop.firstIndex(of: "]") else { return hop }
            return hop[hop.index(after: hop.startIndex)..<close]
        }
        let colons = hop.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ":") ? 1 : 0) }
        if colons == 1, let colon = hop.firstIndex(of: ":") { return hop[..<colon] }
        return hop
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
