/// The lines of an "AuditTrail export v1" file (JSON Lines, one object per `\n`-terminated line),
/// shared by the server that writes them and ``AuditExportVerifier`` that checks them offline.
///
/// ```text
/// {"audittrail_export":{…header: the signed checkpoint, and where the chain and tree start…}}
/// {"action":"user.login",…,"seq":11,…,"time":"…","hash":"<64 hex>"}      one line per event
/// {"checkpoint":{"note":"<signed note>","tree_size":20}}                  contiguous exports: after the event at a stored checkpoint's size
/// {"inclusion_proof":{"hashes":["<hex>",…],"seq":11,"tree_size":40}}     filtered exports only
/// {"audittrail_export_end":{"events":30,"last_seq":40}}
/// ```
///
/// An event line is exactly what readers of the API get (``AuditStoredEvent/responseJSON``): the
/// stored canonical bytes with the final `}` replaced by `,"hash":"<64 hex>"}`, so the canonical
/// bytes — which the chain and the Merkle tree hash — come back by cutting that fixed suffix off.
/// Every hash in the file is lower-case hex. The header is ``AuditExportHeader``.
///
/// ```swift
/// out += AuditExportFormat.eventLine(row)
/// out += AuditExportFormat.proofLine(seq: row.seq, treeSize: size, hashes: proof)
/// out += AuditExportFormat.trailerLine(events: count, lastSeq: last)
/// ```
public enum AuditExportFormat {
    /// The format's name, as documents and messages call it.
    public static let name = "AuditTrail export v1"
    /// The version number in the header.
    public static let version: Int64 = 1
    /// The media type the server sends exports with.
    public static let mediaType = "application/x-ndjson"
    /// The longest line a verifier accepts, in bytes (an event is at most 64 KiB; a proof or a
    /// header a few KiB).
    public static let maximumLineBytes = 1 << 20

    /// The top-level key of the header line.
    public static let headerKey = "audittrail_export"
    /// The top-level key of an inclusion proof line.
    public static let proofKey = "inclusion_proof"
    /// The top-level key of a checkpoint line.
    public static let checkpointKey = "checkpoint"
    /// The top-level key of the trailer line.
    public static let trailerKey = "audittrail_export_end"

    /// `,"hash":"` + 64 hex digits + `"}`: what an event line adds to the canonical bytes' final `}`.
    static let hashSuffixCount = 9 + 64 + 2

    /// One event line: the reader's event object and `\n`.
    public static func eventLine(_ event: AuditStoredEvent) -> [UInt8] {
        var out = event.responseJSON
        out.append(0x0A)
        return out
    }

    /// One inclusion proof line: the RFC 6962 audit path of leaf `seq - 1` in the tree of `treeSize` leaves.
    public static func proofLine(seq: Int64, treeSize: Int64, hashes: [AuditHash]) -> [UInt8] {
        let body: JSONValue = [
            "seq": .int(seq), "tree_size": .int(treeSize), "hashes": .array(hashes.map { .string($0.hex) }),
        ]
        var out = CanonicalJSON.encode([proofKey: body])
        out.append(0x0A)
        return out
    }

    /// A checkpoint line: a stored signed checkpoint, written right after the event at its tree
    /// size, so that a verifier checks the tree it is growing against every signed root on the way.
    public static func checkpointLine(_ checkpoint: AuditStoredCheckpoint) -> [UInt8] {
        let body: JSONValue = ["tree_size": .int(checkpoint.treeSize), "note": .string(checkpoint.note)]
        var out = CanonicalJSON.encode([checkpointKey: body])
        out.append(0x0A)
        return out
    }

    /// The trailer line: how many event lines the file holds and the last seq (null when none),
    /// so that a cut-off file is told from a complete one.
    public static func trailerLine(events: Int64, lastSeq: Int64?) -> [UInt8] {
        let body: JSONValue = ["events": .int(events), "last_seq": lastSeq.map(JSONValue.int) ?? .null]
        var out = CanonicalJSON.encode([trailerKey: body])
        out.append(0x0A)
        return out
    }

    /// Splits an event line (without its `\n`) into the canonical bytes and the chain hash, or nil
    /// when the line does not end in `,"hash":"<64 lower-case hex>"}` after a JSON object's start.
    public static func splitEventLine(_ line: some Collection<UInt8>) -> (canonical: [UInt8], hash: AuditHash)? {
        if let split = line.withContiguousStorageIfAvailable({ splitEventLine(bytes: UnsafeRawBufferPointer($0)) }) { return split }
        return splitEventLine(Array(line))
    }

    /// ``splitEventLine(_:)`` on bytes in place (one copy: the canonical bytes).
    static func splitEventLine(bytes: UnsafeRawBufferPointer) -> (canonical: [UInt8], hash: AuditHash)? {
        let count = bytes.count
        guard count > hashSuffixCount + 1, bytes[0] == UInt8(ascii: "{") else { return nil }
        let cut = count - hashSuffixCount
        guard UnsafeRawBufferPointer(rebasing: bytes[cut..<(cut + 9)]).elementsEqual(#","hash":""#.utf8),
            bytes[count - 2] == UInt8(ascii: "\""), bytes[count - 1] == UInt8(ascii: "}")
        else { return nil }
        let digits = UnsafeRawBufferPointer(rebasing: bytes[(cut + 9)..<(count - 2)])
        // Lower-case only: the format writes lower-case hex.
        guard let hash = AuditHash(hexDigits: digits) else { return nil }
        var canonical = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[..<cut]))
        canonical.append(UInt8(ascii: "}"))
        return (canonical, hash)
    }

    /// What kind of line `line` is, by its first key (event lines start with `{"action":`).
    enum LineKind {
        case proof, checkpoint, trailer, header, event
    }

    static func kind(of line: some Collection<UInt8>) -> LineKind {
        // Event lines start with `{"action":` (the first key in sorted order); the rest by their key.
        if line.starts(with: eventPrefix) { return .event }
        for (prefix, kind) in linePrefixes where line.starts(with: prefix) { return kind }
        return .event
    }

    private static let eventPrefix = Array(#"{"action":"#.utf8)

    /// `{"<key>":` of every line that is not an event, and its kind.
    private static let linePrefixes: [([UInt8], LineKind)] = {
        let keys: [(String, LineKind)] = [(proofKey, .proof), (checkpointKey, .checkpoint), (trailerKey, .trailer), (headerKey, .header)]
        return keys.map { (Array("{\"\($0.0)\":".utf8), $0.1) }
    }()

    /// The one member of a line's top-level object `key`, as an object; the rule broken otherwise.
    static func body(of line: some Collection<UInt8>, key: String) -> Result<[String: JSONValue], AuditTrailError> {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(line)
        } catch {
            return .failure(AuditTrailError.invalid(key, "is not JSON: \(error.message)"))
        }
        guard case .object(let top) = parsed, top.count == 1, case .object(let body)? = top[key] else {
            return .failure(AuditTrailError.invalid(key, "must be an object with the one member \"\(key)\""))
        }
        return .success(body)
    }

    /// A hash from lower-case hex of 32 bytes, or nil.
    static func hash(hex value: JSONValue?) -> AuditHash? {
        value?.stringValue.flatMap { AuditHash(hex: $0) }
    }
}
