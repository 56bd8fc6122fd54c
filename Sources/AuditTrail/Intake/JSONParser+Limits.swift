extension JSONParser {
    /// What one JSON text may hold, checked while it is read: no string, object or array is
    /// built past its limit, so the work and the memory of a parse stay proportional to the
    /// limits, and an error names the rule instead of growing with the input.
    ///
    /// Events are read with their validator's limits
    /// (``AuditEventValidator/Configuration/jsonLimits``); the server's other JSON bodies with
    /// ``request``, the same numbers.
    ///
    /// ```swift
    /// let body = try JSONParser.parse(bytes, limits: .request)
    /// ```
    public struct Limits: Sendable, Hashable {
        /// The most bytes one value read by a streaming reader may span (an event of a batch).
        public var maxValueBytes: Int
        /// The longest string or key, in UTF-8 bytes after unescaping.
        public var maxStringBytes: Int
        /// The most members of one object.
        public var maxObjectMembers: Int
        /// The most elements of one array.
        public var maxArrayElements: Int

        /// - Parameters:
        ///   - maxValueBytes: the most bytes one value of a streaming reader may span.
        ///   - maxStringBytes: the longest string or key, in UTF-8 bytes.
        ///   - maxObjectMembers: the most members of one object.
        ///   - maxArrayElements: the most elements of one array.
        public init(maxValueBytes: Int, maxStringBytes: Int, maxObjectMembers: Int, maxArrayElements: Int) {
            self.maxValueBytes = maxValueBytes
            self.maxStringBytes = maxStringBytes
            self.maxObjectMembers = maxObjectMembers
            self.maxArrayElements = maxArrayElements
        }

        /// No limit but nesting (``JSONParser/maximumDepth``): for JSON this program wrote.
        public static let unlimited = Limits(maxValueBytes: .max, maxStringBytes: .max, maxObjectMembers: .max, maxArrayElements: .max)

        /// A request body from a client: the default event limits
        /// (``AuditEventValidator/Configuration/jsonLimits``).
        public static let request = AuditEventValidator.Configuration().jsonLimits

        /// A broken limit. It names no field (an empty one) until a reader that knows which
        /// value it was reading fills it in (``AuditTrailError/namingLimit(_:)``).
        static func broken(_ code: AuditTrailError.Code, _ rule: String) -> AuditTrailError {
            AuditTrailError(code, rule, fieldErrors: [.init(field: "", message: rule)])
        }

        static func stringTooLong(_ limit: Int) -> AuditTrailError { broken(.invalidInput, "strings and keys must be at most \(limit) bytes") }

        static func tooManyMembers(_ limit: Int) -> AuditTrailError { broken(.invalidInput, "objects must have at most \(limit) members") }

        static func tooManyElements(_ limit: Int) -> AuditTrailError { broken(.invalidInput, "arrays must have at most \(limit) elements") }
    }
}

extension AuditTrailError {
    /// This error with `field` named, if it is a broken JSON limit that names no field yet;
    /// otherwise unchanged.
    func namingLimit(_ field: @autoclosure () -> String) -> AuditTrailError {
        guard fieldErrors.count == 1, fieldErrors[0].field.isEmpty else { return self }
        let name = field()
        var named = self
        named.fieldErrors[0].field = name
        named.message = "\(name): \(fieldErrors[0].message)"
        return named
    }
}
