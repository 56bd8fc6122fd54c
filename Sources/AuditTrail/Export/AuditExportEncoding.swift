#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The formats an export is written in (`GET /v1/export?format=…`, `audittrail export --format`).
///
/// `jsonl` is the verifiable "AuditTrail export v1" (``AuditExportFormat``: a signed checkpoint,
/// proofs, a trailer; `audittrail verify --export` checks it). The others are for SIEMs and
/// spreadsheets — the same events, up to the same signed checkpoint, in the same order, without
/// proofs: `json` (one array of the events as readers get them), `csv` (``AuditCSVFormat``),
/// `cef` (``AuditCEFFormat``), `ocsf` (``AuditOCSFFormat``, one object per line) and `syslog`
/// (``AuditSyslogFormat``, RFC 5424, one message per line).
public enum AuditExportEncoding: String, Sendable, CaseIterable {
    case jsonl, json, csv, cef, ocsf, syslog

    /// The response's media type.
    public var mediaType: String {
        switch self {
        case .jsonl, .ocsf: "application/x-ndjson"
        case .json: "application/json"
        case .csv: "text/csv; charset=utf-8; header=present"
        case .cef, .syslog: "text/plain; charset=utf-8"
        }
    }

    /// The file name's extension.
    public var fileExtension: String {
        switch self {
        case .jsonl: "jsonl"
        case .json: "json"
        case .csv: "csv"
        case .cef: "cef"
        case .ocsf: "ocsf.jsonl"
        case .syslog: "log"
        }
    }

    /// Whether this is the verifiable format (header, checkpoints or proofs, trailer).
    public var isVerifiable: Bool { self == .jsonl }

    /// The names, for messages: `jsonl, json, csv, cef, ocsf, syslog`.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// Writes stored events in one of the non-verifiable formats: ``prefix`` before the first,
/// ``encode(_:index:)`` for each (`index` counts from 0), ``suffix`` after the last.
///
/// ```swift
/// let encoder = AuditRecordEncoder(.csv, host: "db-1")
/// var out = encoder.prefix
/// for (index, row) in rows.enumerated() { out += try encoder.encode(row, index: Int64(index)) }
/// out += encoder.suffix
/// ```
public struct AuditRecordEncoder: Sendable {
    public let encoding: AuditExportEncoding
    /// The exporting host (syslog's HOSTNAME, CEF's `dvchost`).
    public let host: String

    public init(_ encoding: AuditExportEncoding, host: String = AuditRecordEncoder.localHostName) {
        self.encoding = encoding
        self.host = host
    }

    /// What comes before the first event: `[` for json, the header row for csv.
    public var prefix: [UInt8] {
        switch encoding {
        case .json: Array("[".utf8)
        case .csv: AuditCSVFormat.headerRow
        default: []
        }
    }

    /// What comes after the last event: `]` for json.
    public var suffix: [UInt8] { encoding == .json ? Array("\n]\n".utf8) : [] }

    /// One event. The JSON forms are the stored bytes as readers get them; the others decode them.
    /// - Throws: `.tampered` when the stored bytes are not an event.
    public func encode(_ row: AuditStoredEvent, index: Int64) throws -> [UInt8] {
        switch encoding {
        case .jsonl: return AuditExportFormat.eventLine(row)
        case .json: return Array((index == 0 ? "\n" : ",\n").utf8) + row.responseJSON
        case .csv: return AuditCSVFormat.row(try decode(row))
        case .cef: return AuditCEFFormat.line(try decode(row), host: host)
        case .ocsf: return AuditOCSFFormat.line(try decode(row))
        case .syslog: return AuditSyslogFormat.line(try decode(row), json: row.responseJSON, host: host)
        }
    }

    func decode(_ row: AuditStoredEvent) throws -> AuditEvent {
        do {
            return try row.decoded()
        } catch {
            throw AuditTrailError(.tampered, "the stored event at seq \(row.seq) cannot be read: \(error.message)")
        }
    }

    /// This machine's host name (`gethostname`), `-` when it has none.
    public static var localHostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "-" : name
    }
}
