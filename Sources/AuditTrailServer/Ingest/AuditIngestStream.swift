import AuditTrail
import AuditTrailHummingbird
import HTTPTypes

/// The ordered-stream headers of a batch (see ``AuditIngestSequencer``):
/// `Audit-Batch-Stream: <token>` (1–64 of `A–Z a–z 0–9 . _ : -`) and `Audit-Batch-Sequence: <n>` (the
/// number of the batch's first event in the stream, 1 to 16 decimal digits). One without the
/// other is ignored, as if neither were sent (the OpenAPI document cannot tie two headers).
struct AuditIngestStream: Sendable {
    static let streamHeader = HTTPField.Name("Audit-Batch-Stream")!
    static let sequenceHeader = HTTPField.Name("Audit-Batch-Sequence")!
    static let maxTokenLength = 64
    static let maxSequence: UInt64 = 9_999_999_999_999_999

    /// The stream, scoped to the key that sent it.
    var id: AuditIngestSequencer.StreamID
    /// The number of the batch's first event.
    var first: UInt64

    /// The stream of a request, nil when it names none.
    ///
    /// - Throws: `.invalidInput` naming the header and the rule.
    init?(_ headers: HTTPFields, keyID: String) throws(AuditTrailError) {
        let token = headers[Self.streamHeader]
        let sequence = headers[Self.sequenceHeader]
        // Each header is checked when it is sent; the pair makes a stream.
        if let token, !(1...Self.maxTokenLength).contains(token.utf8.count) || !token.utf8.allSatisfy(Self.isTokenByte) {
            throw AuditTrailError.invalid("Audit-Batch-Stream", "must be 1 to \(Self.maxTokenLength) of A-Z a-z 0-9 . _ : -")
        }
        var first: UInt64?
        if let sequence {
            guard (1...16).contains(sequence.utf8.count), sequence.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let number = UInt64(sequence)
            else {
                throw AuditTrailError.invalid("Audit-Batch-Sequence", "must be 1 to 16 decimal digits (0 to \(Self.maxSequence))")
            }
            first = number
        }
        guard let token, let first else { return nil }
        id = .init(keyID: keyID, token: token)
        self.first = first
    }

    /// The 409 for a batch whose predecessors did not arrive in time: it conflicts with the
    /// stream's state (not a server fault); send it again after them.
    func outOfOrder(wait: Duration) -> AuditProblem {
        AuditProblem(
            .conflict,
            slug: "stream-out-of-order",
            title: "Stream out of order",
            detail:
                "the events of this stream before \(first) were not queued within \(wait); send the batch that starts where the stream ends first (a stream unknown to this server starts at 0)",
            errors: [.init(field: "Audit-Batch-Sequence", message: "must continue the stream")],
            headers: [.retryAfter: "1"]
        )
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
