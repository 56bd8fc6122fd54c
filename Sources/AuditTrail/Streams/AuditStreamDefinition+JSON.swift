extension AuditStreamDefinition {
    /// The destination as JSON (no secret).
    var destinationJSON: JSONValue {
        switch destination {
        case .webhook(let url, let timeout):
            ["type": "webhook", "url": .string(url), "timeout_seconds": .int(Int64(timeout))]
        case .syslog(let host, let port, let tls):
            ["type": "syslog", "host": .string(host), "port": .int(Int64(port)), "transport": .string(tls ? "tls" : "tcp")]
        case .files(let directory, let keep):
            ["type": "files", "directory": .string(directory), "keep": .int(Int64(keep))]
        }
    }

    /// What readers of `GET /v1/streams` get: every field but the secret, times in RFC 3339.
    public var publicJSON: JSONValue {
        .object([
            "id": .string(id), "name": .string(name), "filters": .object(filters.mapValues(JSONValue.string)),
            "format": .string(format.rawValue), "destination": destinationJSON, "batch_events": .int(Int64(batchEvents)),
            "linger_ms": .int(Int64(lingerMilliseconds)), "start_after": .int(startAfter),
            "created_at": .string(createdAt.rfc3339), "created_by": .string(createdBy),
        ])
    }

    /// The stored form: ``publicJSON`` with the secret and the creation time in milliseconds.
    var stored: JSONValue { storedDefinition(publicJSON, createdAt: createdAt, secret: secret) }

    /// Reads the stored form; nil for a tombstone or anything else.
    init?(stored value: JSONValue) {
        guard let object = value.objectValue, object["deleted_at"] == nil,
            let id = object["id"]?.stringValue, let name = object["name"]?.stringValue,
            let format = object["format"]?.stringValue.flatMap(AuditExportEncoding.init(rawValue:)),
            let destination = object["destination"]?.objectValue, let type = destination["type"]?.stringValue,
            let created = object["created_at"]?.int64Value
        else { return nil }
        switch type {
        case "webhook":
            guard let url = destination["url"]?.stringValue else { return nil }
            self.destination = .webhook(url: url, timeoutSeconds: Int(destination["timeout_seconds"]?.int64Value ?? 10))
        case "syslog":
            guard let host = destination["host"]?.stringValue, let port = destination["port"]?.int64Value else { return nil }
            self.destination = .syslog(host: host, port: Int(port), tls: destination["transport"]?.stringValue != "tcp")
        case "files":
            guard let directory = destination["directory"]?.stringValue else { return nil }
            self.destination = .files(directory: directory, keep: Int(destination["keep"]?.int64Value ?? 0))
        default: return nil
        }
        self.id = id
        self.name = name
        self.filters = (object["filters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        self.format = format
        self.secret = object["secret"]?.stringValue
        self.batchEvents = Int(object["batch_events"]?.int64Value ?? 1000)
        self.lingerMilliseconds = Int(object["linger_ms"]?.int64Value ?? 1000)
        self.startAfter = object["start_after"]?.int64Value ?? 0
        self.createdAt = AuditTime(milliseconds: created)
        self.createdBy = object["created_by"]?.stringValue ?? ""
    }
}
