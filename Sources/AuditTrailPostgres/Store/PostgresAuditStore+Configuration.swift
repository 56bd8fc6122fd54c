import AuditTrail

extension PostgresAuditStore {
    /// Where the log lives and how the store uses the database server.
    ///
    /// ```swift
    /// let configuration = try PostgresAuditStore.Configuration(url: "postgres://audittrail@127.0.0.1:5432/audit")
    /// ```
    public struct Configuration: Sendable {
        /// The server's host name or address.
        public var host: String
        public var port: Int
        /// The role the store connects as: the application role (`INSERT`, `SELECT` and the
        /// maintenance functions) for serving, the owner role for ``migrate`` (see the README).
        public var username: String
        public var password: String?
        public var database: String
        /// TLS to the database server: off (a server on this machine or a private network),
        /// `prefer` or `require` (verifying the server's certificate).
        public var tls: TLSMode = .disable
        /// The schema that holds the log's tables (created by the owner's migration).
        public var schema = "audittrail"
        /// Connections the pool opens at most (appends use one at a time; reads share the rest).
        public var maximumConnections = 16
        /// Whether opening the store creates or upgrades the schema. The application role cannot:
        /// run `audittrail migrate --postgres …` as the owner once, and open with this off.
        public var migrate = true
        /// The memory the decoded search-index sets may hold (as the SQLite store's).
        public var indexCacheMiB = 256
        /// The search index's chunk size, 2^shift events (the SQLite store's default).
        public var indexChunkShift = AuditIndexGeometry.standard.shift
        /// How many events this instance's appends may commit ahead of its search index before an
        /// append waits for it to catch up (as the SQLite store's). Default 65,536.
        public var indexLagLimit = AuditIndexTail.defaultLagLimit
        /// How many months of event partitions exist ahead of the current one.
        public var partitionsAhead = 2
        /// This instance's name in the leases (checkpoint signing, retention): unique per process.
        public var instance = PostgresAuditStore.defaultInstanceName()
        /// How long a lease lasts without renewal: another instance takes over after it.
        public var leaseSeconds = 30
        /// The receipt clock of appends (`received_at`, which places an event in its month's
        /// partition). Tests move it back to fill an old month; the store never does.
        package var receiptClock: @Sendable () -> AuditTime = { .now() }

        public enum TLSMode: String, Sendable, CaseIterable {
            case disable, prefer, require
        }

        public init(host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil, database: String) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
        }

        /// A configuration from `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require][&schema=name]`
        /// (also `postgresql://`), with `connections=N` (``maximumConnections``) and
        /// `lease_seconds=N` (``leaseSeconds``) as further parameters. Percent-escapes in the
        /// user, password and database are decoded.
        public init(url: String) throws(AuditTrailError) {
            func bad(_ rule: String) -> AuditTrailError {
                AuditTrailError.invalid("postgres", "must be postgres://user[:password]@host[:port]/database: \(rule)")
            }
            var rest = Substring(url)
            if rest.hasPrefix("postgres://") {
                rest = rest.dropFirst("postgres://".count)
            } else if rest.hasPrefix("postgresql://") {
                rest = rest.dropFirst("postgresql://".count)
            } else {
                throw bad("the scheme is postgres:// or postgresql://")
            }
            var query: Substring = ""
            if let mark = rest.firstIndex(of: "?") {
                query = rest[rest.index(after: mark)...]
                rest = rest[..<mark]
            }
            guard let slash = rest.firstIndex(of: "/") else { throw bad("the database name is missing") }
            let databaseText = rest[rest.index(after: slash)...]
            var authority = rest[..<slash]
            var user: Substring = ""
            var password: Substring?
            if let at = authority.lastIndex(of: "@") {
                let credentials = authority[..<at]
                authority = authority[authority.index(after: at)...]
                if let colon = credentials.firstIndex(of: ":") {
                    user = credentials[..<colon]
                    password = credentials[credentials.index(after: colon)...]
                } else {
                    user = credentials
                }
            }
            var host = authority
            var port = 5432
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { throw bad("an IPv6 host needs its closing ]") }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { throw bad("the port is 1 to 65535") }
                    port = value
                } else if !after.isEmpty {
                    throw bad("only :port may follow the host")
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                    throw bad("the port is 1 to 65535")
                }
                port = value
            }
            guard !host.isEmpty else { throw bad("the host is missing") }
            guard let username = AuditPercentEncoding.decode(user, plusIsSpace: false), !username.isEmpty else {
                throw bad("the user name is missing")
            }
            guard let database = AuditPercentEncoding.decode(databaseText, plusIsSpace: false), !database.isEmpty else {
                throw bad("the database name is missing")
            }
            var decodedPassword: String?
            if let password {
                guard let decoded = AuditPercentEncoding.decode(password, plusIsSpace: false) else {
                    throw bad("the password has a malformed %-escape")
                }
                decodedPassword = decoded
            }
            self.init(
                host: String(host),
                port: port,
                username: username,
                password: decodedPassword,
                database: database
            )
            for pair in AuditQueryPairs(query) where !pair.text.isEmpty {
                let value = String(pair.text.dropFirst(pair.name.count + 1))
                switch pair.name {
                case "sslmode":
                    switch value {
                    case "disable": tls = .disable
                    case "prefer", "allow": tls = .prefer
                    case "require", "verify-ca", "verify-full": tls = .require
                    default: throw bad("sslmode is disable, prefer or require")
                    }
                case "schema":
                    guard PostgresSchema.isIdentifier(value) else {
                        throw bad("schema is a lower-case identifier (a-z, 0-9, _), at most 63 characters")
                    }
                    schema = value
                case "connections":
                    guard let count = Int(value), (2...1000).contains(count) else { throw bad("connections is 2 to 1000") }
                    maximumConnections = count
                case "lease_seconds":
                    guard let seconds = Int(value), (1...3600).contains(seconds) else { throw bad("lease_seconds is 1 to 3600") }
                    leaseSeconds = seconds
                default:
                    throw bad("unknown parameter \(pair.name) (sslmode, schema, connections, lease_seconds)")
                }
            }
        }
    }
}
