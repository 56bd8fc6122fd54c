/// One batch a stream delivers: the events after ``after`` up to ``through`` that match the
/// stream's filters, as one file in the stream's format. In the `jsonl` format the file is an
/// "AuditTrail export v1" batch — its seq range, the chain hash before it and the signed
/// checkpoint in its header — which `audittrail verify --stream-batch` checks, chained to the
/// batch before it.
public struct AuditStreamBatch: Sendable {
    /// The stream's id.
    public let streamID: String
    /// The header of the batch (its range is always set).
    public let header: AuditExportHeader
    /// The format of ``bytes``.
    public let encoding: AuditExportEncoding
    /// The whole batch file.
    public let bytes: [UInt8]
    /// How many events it holds.
    public let count: Int64

    public init(streamID: String, header: AuditExportHeader, encoding: AuditExportEncoding, bytes: [UInt8], count: Int64) {
        self.streamID = streamID
        self.header = header
        self.encoding = encoding
        self.bytes = bytes
        self.count = count
    }

    /// The batch holds events with seqs above this one…
    public var after: Int64 { header.range?.after ?? 0 }
    /// …up to and including this one.
    public var through: Int64 { header.range?.through ?? header.lastCoveredSeq }

    /// `<stream id>:<after>-<through>`: the same for a batch sent again after a failure, so a
    /// receiver can drop what it already has.
    public var idempotencyKey: String { "\(streamID):\(after)-\(through)" }

    /// `audittrail-<first seq>-<last seq>.<extension>`, seqs padded to 20 digits, so that the
    /// files of a stream sort in seq order.
    public var fileName: String {
        "audittrail-\(Self.padded(after + 1))-\(Self.padded(through)).\(encoding.fileExtension)"
    }

    /// The lines of the file, without their `\n` (what a syslog destination frames one by one).
    public var lines: [ArraySlice<UInt8>] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: true)
    }

    static func padded(_ seq: Int64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}

/// Where a stream's batches go. ``deliver(_:)`` returns only once the receiver acknowledged the
/// whole batch (a 2xx answer, a read to the connection's end, a synced file); it throws
/// otherwise, and the stream sends the same range again after a back-off — so delivery is at
/// least once, in seq order.
public protocol AuditStreamDestination: Sendable {
    /// Sends `batch` and waits for the receiver's acknowledgement.
    func deliver(_ batch: AuditStreamBatch) async throws
}
