import Crypto

/// The signature a webhook stream puts on each POST, so that the receiver knows the batch came
/// from this log's server and was not changed or replayed:
///
/// ```text
/// AuditTrail-Signature: t=1764921600,v1=<64 hex: HMAC-SHA256(secret, "<t>." + body)>
/// ```
///
/// The receiver recomputes the HMAC over the timestamp, a dot and the raw body with the stream's
/// secret, compares in constant time and refuses a timestamp far from its clock (5 minutes).
///
/// ```swift
/// let header = AuditStreamSignature.header(secret: secret, timestamp: now, body: body)
/// AuditStreamSignature.isValid(header, secret: secret, body: body, now: now)   // true
/// ```
public enum AuditStreamSignature {
    /// The header's name.
    public static let headerName = "AuditTrail-Signature"

    /// The header's value for `body` sent at `timestamp` (Unix seconds).
    public static func header(secret: String, timestamp: Int64, body: some Sequence<UInt8>) -> String {
        "t=\(timestamp),v1=\(AuditHex.string(mac(secret: secret, timestamp: timestamp, body: body)))"
    }

    /// Whether `header` signs `body` with `secret` at a time within `tolerance` seconds of `now`.
    public static func isValid(
        _ header: String,
        secret: String,
        body: some Sequence<UInt8>,
        now: Int64,
        tolerance: Int64 = 300
    ) -> Bool {
        var timestamp: Int64?
        var given: [UInt8]?
        for part in header.split(separator: ",") {
            if part.hasPrefix("t=") { timestamp = Int64(part.dropFirst(2)) }
            if part.hasPrefix("v1=") { given = AuditHex.bytes(hex: String(part.dropFirst(3))) }
        }
        guard let timestamp, let given, abs(now - timestamp) <= tolerance else { return false }
        let expected = mac(secret: secret, timestamp: timestamp, body: body)
        guard given.count == expected.count else { return false }
        // Constant time: every byte is compared.
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A new secret: 32 random bytes, base64url.
    public static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return AuditBase64.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }, urlSafe: true)
    }

    static func mac(secret: String, timestamp: Int64, body: some Sequence<UInt8>) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array("\(timestamp).".utf8))
        hmac.update(data: Array(body))
        return Array(hmac.finalize())
    }
}
