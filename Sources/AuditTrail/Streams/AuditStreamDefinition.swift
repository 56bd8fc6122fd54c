/// What a stream pushes, how and where: the events matching `filters` (an export's filters and
/// `q`), in `format` (``AuditExportEncoding``), in batches of at most `batchEvents`, to a
/// destination — an HTTPS webhook, syslog over TCP or TLS (RFC 5425), or a directory of files.
///
/// Made from an admin's request (``init(request:id:createdAt:createdBy:)``, `POST /v1/streams`)
/// and kept in the store's settings by ``AuditStreamCatalog``, the secret with it. The request:
///
/// ```json
/// {"name": "siem", "filters": {"action": "auth.*"}, "format": "jsonl",
///  "destination": {"type": "webhook", "url": "https://siem.example/ingest", "secret": "…"},
///  "batch_events": 1000, "linger_ms": 1000, "start": "beginning"}
/// ```
public struct AuditStreamDefinition: Sendable, Hashable {
    /// Where batches go.
    public enum Destination: Sendable, Hashable {
        /// POSTs of each batch (the batch file in the stream's format) to `url`, signed with the
        /// stream's secret (``AuditStreamSignature``); a 2xx answer acknowledges it.
        case webhook(url: String, timeoutSeconds: Int)
        /// Each line of a batch as one RFC 5424/5425 octet-counted frame over TCP, or TLS when
        /// `tls`; a batch is acknowledged once the receiver has read it to the connection's end.
        case syslog(host: String, port: Int, tls: Bool)
        /// Each batch as one file named by its seq range in `directory` (relative to the server's
        /// stream files root), written whole and synced before it counts; the oldest beyond
        /// `keep` files are removed (0: all kept).
        case files(directory: String, keep: Int)

        /// `webhook`, `syslog` or `files`.
        public var type: String {
            switch self {
            case .webhook: "webhook"
            case .syslog: "syslog"
            case .files: "files"
            }
        }
    }

    /// Where a new stream starts.
    public enum Start: String, Sendable, Hashable {
        /// With the oldest event kept (a backfill of the whole log).
        case beginning
        /// After the newest event at creation.
        case now
    }

    /// `str_` and 16 hex digits.
    public var id: String
    /// The admin's name for it (1–128 characters).
    public var name: String
    /// The filters of ``AuditExporter/query(parameters:)`` (no `format`, paging or `after`), by name.
    public var filters: [String: String]
    /// The format of every batch.
    public var format: AuditExportEncoding
    public var destination: Destination
    /// The webhook's HMAC key (nil for the other destinations).
    public var secret: String?
    /// The most events in one batch.
    public var batchEvents: Int
    /// How long a caught-up stream waits after new events arrive before it reads a batch, so that
    /// a trickle is sent in fewer, fuller batches (milliseconds; 0: at once).
    public var lingerMilliseconds: Int
    /// Where the stream started: its first batch holds events after this seq.
    public var startAfter: Int64
    public var createdAt: AuditTime
    /// The key that created it.
    public var createdBy: String

    public init(
        id: String,
        name: String,
        filters: [String: String],
        format: AuditExportEncoding,
        destination: Destination,
        secret: String?,
        batchEvents: Int,
        lingerMilliseconds: Int,
        startAfter: Int64,
        createdAt: AuditTime,
        createdBy: String
    ) {
        self.id = id
        self.name = name
        self.filters = filters
        self.format = format
        self.destination = destination
        self.secret = secret
        self.batchEvents = batchEvents
        self.lingerMilliseconds = lingerMilliseconds
        self.startAfter = startAfter
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    /// The filter parameters, for ``AuditExporter/startBatch(parameters:after:maxEvents:signing:)``.
    public var parameters: [(String, String)] {
        filters.keys.sorted().map { ($0, filters[$0]!) } + [("format", format.rawValue)]
    }

    /// Most events in a batch.
    public static let maxBatchEvents: Int64 = 10_000
    /// Most filter members.
    public static let maxFilters = 32

    /// Formats a syslog destination can frame: one record per line, no line breaks inside one.
    static let lineFormats: Set<AuditExportEncoding> = [.jsonl, .ocsf, .cef, .syslog]
}

extension AuditStreamDefinition {
    /// A new stream from an admin's request body, every broken rule named by its field
    /// (`destination.url`, `filters.action`, …). `start` is resolved by the caller.
    ///
    /// The webhook's `secret` (16–256 characters) is generated (32 random bytes, base64url) when
    /// not given; a webhook URL is `https://`, or `http://` to a loopback host only.
    public static func parse(
        request value: JSONValue,
        id: String,
        createdAt: AuditTime,
        createdBy: String
    ) throws(AuditTrailError) -> (AuditStreamDefinition, Start) {
        var r = FieldReader(prefix: "")
        guard let object = r.object(value, "body") else {
            throw AuditTrailError.invalid("body", "must be a JSON object")
        }
        let fields: Set<String> = ["name", "filters", "format", "destination", "batch_events", "linger_ms", "start"]
        r.refuseUnknown(object, allowed: fields)
        let name = r.text(object, "name", required: true, maxLength: 128)
        let filters = r.stringMap(object, "filters", maxCount: maxFilters, numeric: ["hours"])
        for (filter, _) in filters where ["format", "after"].contains(filter) {
            r.fail("filters.\(filter)", "is not a filter (the stream's format and position are its own fields)")
        }
        var format = AuditExportEncoding.jsonl
        if let text = r.text(object, "format", required: false, maxLength: 16) {
            if let parsed = AuditExportEncoding(rawValue: text) {
                format = parsed
            } else {
                r.fail("format", "must be one of \(AuditExportEncoding.names)")
            }
        }
        if r.errors.isEmpty, !filters.isEmpty {
            do throws(AuditTrailError) {
                _ = try AuditExporter.query(parameters: filters)
            } catch {
                for field in error.fieldErrors { r.fail("filters.\(field.field)", field.message) }
                if error.fieldErrors.isEmpty { r.fail("filters", error.message) }
            }
        }
        var start = Start.beginning
        if let text = r.text(object, "start", required: false, maxLength: 16) {
            if let parsed = Start(rawValue: text) { start = parsed } else { r.fail("start", "must be beginning or now") }
        }
        let batchEvents = r.integer(object, "batch_events", in: 1...maxBatchEvents, default: 1000)
        let linger = r.integer(object, "linger_ms", in: 0...60_000, default: 1000)
        var destination: Destination?
        var secret: String?
        if let member = object["destination"] {
            if case .object(let nested) = member {
                var sub = r.nested("destination")
                (destination, secret) = parseDestination(nested, format: format, reader: &sub)
                r.merge(sub)
            } else {
                r.fail("destination", "must be a JSON object, not \(member.typeName)")
            }
        } else {
            r.fail("destination", "is required")
        }
        try r.throwIfFailed()
        guard let name, let destination else { throw AuditTrailError.invalid("body", "is incomplete") }
        let definition = AuditStreamDefinition(
            id: id,
            name: name,
            filters: Dictionary(uniqueKeysWithValues: filters),
            format: format,
            destination: destination,
            secret: secret,
            batchEvents: Int(batchEvents),
            lingerMilliseconds: Int(linger),
            startAfter: 0,
            createdAt: createdAt,
            createdBy: createdBy
        )
        return (definition, start)
    }

    /// A letter or digit of ASCII, `.`, `-`, `:` or `_` (a host name or an IP address).
    static func isHostScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-:_".unicodeScalars.contains(scalar))
    }

    /// The `destination` object; errors are named `destination.<member>`.
    static func parseDestination(
        _ object: [String: JSONValue],
        format: AuditExportEncoding,
        reader r: inout FieldReader
    ) -> (Destination?, String?) {
        let type = r.text(object, "type", required: true, maxLength: 16)
        switch type {
        case "webhook":
            r.refuseUnknown(object, allowed: ["type", "url", "secret", "timeout_seconds"])
            let url = r.text(object, "url", required: true, maxLength: 2048)
            if let url, let rule = AuditWebhookURL.problem(url) { r.fail("url", rule) }
            var secret = r.text(object, "secret", required: false, maxLength: 256)
            if let given = secret, given.count < 16 { r.fail("secret", "must be at least 16 characters") }
            if secret == nil { secret = AuditStreamSignature.generateSecret() }
            let timeout = r.integer(object, "timeout_seconds", in: 1...120, default: 10)
            return (url.map { .webhook(url: $0, timeoutSeconds: Int(timeout)) }, secret)
        case "syslog":
            r.refuseUnknown(object, allowed: ["type", "host", "port", "transport"])
            let host = r.text(object, "host", required: true, maxLength: 253)
            if let host, !host.unicodeScalars.allSatisfy(isHostScalar) {
                r.fail("host", "must be a host name or an IP address")
            }
            let port = r.integer(object, "port", in: 1...65_535, default: 6514)
            let transport = r.text(object, "transport", required: false, maxLength: 8) ?? "tls"
            if !["tcp", "tls"].contains(transport) { r.fail("transport", "must be tcp or tls") }
            if !lineFormats.contains(format) {
                r.fail("type", "syslog carries one record per line: the stream's format must be one of jsonl, ocsf, cef, syslog")
            }
            return (host.map { .syslog(host: $0, port: Int(port), tls: transport == "tls") }, nil)
        case "files":
            r.refuseUnknown(object, allowed: ["type", "directory", "keep"])
            let directory = r.text(object, "directory", required: true, maxLength: 255)
            if let directory, !AuditStreamFiles.isValidDirectoryName(directory) {
                r.fail("directory", "must be a relative path of names made of letters, digits, '.', '_' and '-' (no '..')")
            }
            let keep = r.integer(object, "keep", in: 0...1_000_000, default: 0)
            return (directory.map { .files(directory: $0, keep: Int(keep)) }, nil)
        case nil: return (nil, nil)
        default:
            r.fail("type", "must be webhook, syslog or files")
            return (nil, nil)
        }
    }
}
