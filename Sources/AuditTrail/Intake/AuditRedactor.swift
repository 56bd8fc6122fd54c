/// Replaces secret-looking values with `"[REDACTED]"` at any depth, before anything is hashed or
/// stored, and reports the JSON paths it replaced.
///
/// A key is secret when, lower-cased and stripped of `_`, `-` and `.`, it contains one of
/// ``Configuration/containing`` or equals one of ``Configuration/exact``. A string value that is a
/// URL with a password in its user information (`postgres://bob:pw@db/x`, a connection string)
/// keeps everything but the password: `postgres://bob:[REDACTED]@db/x`.
///
/// ```swift
/// var paths: [String] = []
/// let clean = AuditRedactor().redact(["password": "hunter2"], at: "metadata", paths: &paths)
/// ```
public struct AuditRedactor: Sendable {
    public struct Configuration: Sendable {
        /// Substrings that mark a key as secret.
        public var containing: [String] = [
            "password", "passwd", "passphrase", "secret", "token", "apikey", "authorization", "cookie",
            "privatekey", "accesskey", "credential", "creditcard", "cardnumber", "cvv", "sessionkey", "signature",
        ]
        /// Whole keys that are secret.
        public var exact: [String] = ["pwd", "pin", "ssn", "auth", "otp", "key", "jwt", "bearer"]
        public init() {}
    }

    public static let marker = "[REDACTED]"
    public var configuration: Configuration {
        didSet { (containing, exact) = Self.compile(configuration) }
    }
    /// The patterns as lower-case ASCII bytes: matching runs per metadata key on the ingest path,
    /// so it must not allocate more than the one normalised key.
    private var containing: [[UInt8]]
    private var exact: [[UInt8]]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        (containing, exact) = Self.compile(configuration)
    }

    private static func compile(_ configuration: Configuration) -> ([[UInt8]], [[UInt8]]) {
        (configuration.containing.map { normalize($0) }, configuration.exact.map { normalize($0) })
    }

    /// Lower-cases ASCII letters and drops `_`, `-` and `.`.
    private static func normalize(_ key: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(key.utf8.count)
        for byte in key.utf8 where byte != UInt8(ascii: "_") && byte != UInt8(ascii: "-") && byte != UInt8(ascii: ".") {
            out.append((65...90).contains(byte) ? byte + 32 : byte)
        }
        return out
    }

    /// Whether `key` names a secret.
    public func isSecret(_ key: String) -> Bool {
        isSecret(bytes: key.utf8)
    }

    /// Whether the UTF-8 key names a secret. Normalised on the stack: this runs for every key of
    /// every metadata object.
    func isSecret(bytes key: some Collection<UInt8>) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, key.count)) { buffer in
            var count = 0
            for byte in key where byte != UInt8(ascii: "_") && byte != UInt8(ascii: "-") && byte != UInt8(ascii: ".") {
                buffer[count] = (65...90).contains(byte) ? byte + 32 : byte
                count += 1
            }
            let normalized = UnsafeBufferPointer(rebasing: buffer[..<count])
            for pattern in exact where pattern.count == count && pattern.elementsEqual(normalized) { return true }
            for pattern in containing where pattern.count <= count {
                var start = 0
                while start + pattern.count <= count {
                    if normalized[start] == pattern[0] {
                        var offset = 1
                        while offset < pattern.count, normalized[start + offset] == pattern[offset] { offset += 1 }
                        if offset == pattern.count { return true }
                    }
                    start += 1
                }
            }
            return false
        }
    }

    /// Whether ``redact(_:at:paths:)`` would change `value`: a read-only walk, so the common case
    /// (nothing secret) allocates nothing.
    func containsSecret(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            for (key, child) in object {
                if isSecret(key) ? child != .null : containsSecret(child) { return true }
            }
            return false
        case .array(let array):
            return array.contains { containsSecret($0) }
        case .string(let text):
            return Self.urlPasswordRange(in: text) != nil
        default:
            return false
        }
    }

    /// The password of a URL's user information (`scheme://user:password@host…`), or nil: the
    /// scheme is a letter then letters, digits, `+`, `-` or `.`; the user information is what comes
    /// before the last `@` of the authority (which ends at `/`, `?`, `#` or the end).
    static func urlPasswordRange(in text: String) -> Range<String.Index>? {
        let utf8 = text.utf8
        // Most strings hold no `@`: one pass, no allocation.
        guard utf8.contains(UInt8(ascii: "@")), let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let scheme = utf8[..<colon]
        guard let first = scheme.first, (65...90).contains(first) || (97...122).contains(first),
            scheme.allSatisfy({ byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == UInt8(ascii: "+")
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            })
        else { return nil }
        let afterColon = utf8.index(after: colon)
        guard utf8[afterColon...].starts(with: "//".utf8) else { return nil }
        let authorityStart = utf8.index(afterColon, offsetBy: 2)
        let authorityEnd =
            utf8[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? utf8.endIndex
        let authority = utf8[authorityStart..<authorityEnd]
        guard let at = authority.lastIndex(of: UInt8(ascii: "@")),
            let separator = authority[..<at].firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        let password = utf8.index(after: separator)..<at
        guard !password.isEmpty, text[password] != marker else { return nil }
        return password
    }

    /// Returns `value` with secret keys' values replaced; appends each replaced path to `paths`.
    public func redact(_ value: JSONValue, at path: String, paths: inout [String]) -> JSONValue {
        guard containsSecret(value) else { return value }
        switch value {
        case .object(let object):
            var copy = object
            for key in object.keys.sorted(by: CanonicalJSON.utf8Less) {
                let child = path + "." + key
                if isSecret(key) {
                    if object[key] != .null {
                        copy[key] = .string(Self.marker)
                        paths.append(child)
                    }
                } else {
                    copy[key] = redact(object[key]!, at: child, paths: &paths)
                }
            }
            return .object(copy)
        case .array(let array):
            return .array(array.enumerated().map { redact($1, at: "\(path)[\($0)]", paths: &paths) })
        case .string(let text):
            guard let password = Self.urlPasswordRange(in: text) else { return value }
            paths.append(path)
            return .string(String(text[..<password.lowerBound]) + Self.marker + String(text[password.upperBound...]))
        default:
            return value
        }
    }

    /// Redacts the values of secret query parameters in a request path (`/cb?token=…`).
    public func redactQuery(inPath path: String, at field: String, paths: inout [String]) -> String {
        guard let question = path.utf8.firstIndex(of: UInt8(ascii: "?")) else { return path }
        let query = path[path.utf8.index(after: question)...]
        // Most paths hold no secret: look pair by pair first, and build a new path only for one.
        guard hasSecretParameter(query) else { return path }
        var changed = false
        let parts = AuditQueryPairs(query).map { pair -> String in
            guard pair.hasValue, isSecretParameter(pair.name) else { return String(pair.text) }
            changed = true
            return pair.name + "=" + Self.marker
        }
        guard changed else { return path }
        paths.append(field)
        return path[..<question] + "?" + parts.joined(separator: "&")
    }

    /// Whether a parameter of `query` (`a=1&b=2`) has a secret name, without copying the pairs.
    func hasSecretParameter(_ query: Substring) -> Bool {
        AuditQueryPairs(query).contains { $0.hasValue && isSecretParameter($0.name) }
    }

    /// Whether a query parameter's name (percent-encoded) names a secret; copies it only to decode.
    private func isSecretParameter(_ name: Substring) -> Bool {
        name.utf8.contains(UInt8(ascii: "%")) ? isSecret(String(name).removingPercentEncodingLossy) : isSecret(bytes: name.utf8)
    }
}

extension String {
    /// Percent-decoding that keeps undecodable sequences as they are.
    var removingPercentEncodingLossy: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = Array(utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
