extension AuditEventInput {
    /// Reads a batch of events in one pass — a JSON array, or NDJSON (one event per line, blank
    /// lines skipped) — handing each to `body` with its index as soon as it is read: the event,
    /// or the field errors that name it (`[3].actor.ip`). The server's `POST /v1/events/batch`
    /// calls it.
    ///
    /// Every limit applies while reading, so the work is linear in the bytes and stops early:
    /// more than `maxCount` events throw ``tooManyEvents(_:)`` as the next one starts, each event
    /// is held to `limits` (its bytes, strings, members and elements), and `body` may throw to
    /// stop (for example once it holds ``AuditTrailError/maxFieldErrors`` errors).
    ///
    /// A JSON syntax error or a broken limit throws for an array; in NDJSON it is the failure of
    /// that line's event (`[3]`), and the lines after it are still read.
    ///
    /// ```swift
    /// try AuditEventInput.readBatch(bytes, ndjson: false, maxCount: 10_000) { index, event in
    ///     events.append(try event.get())
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: the batch.
    ///   - ndjson: whether `bytes` are NDJSON rather than a JSON array.
    ///   - maxCount: the most events.
    ///   - limits: what one event may hold (``AuditEventValidator/Configuration/jsonLimits``).
    ///   - body: gets each event's index and the event or its errors.
    public static func readBatch(
        _ bytes: some Collection<UInt8>,
        ndjson: Bool,
        maxCount: Int,
        limits: JSONParser.Limits = .request,
        _ body: (Int, Result<AuditEventInput, AuditTrailError>) throws(AuditTrailError) -> Void
    ) throws(AuditTrailError) {
        guard ndjson else {
            return try JSONParser.read(bytes, limits: limits) { (parser: inout JSONParser.Parser) throws(AuditTrailError) in
                guard parser.peek == UInt8(ascii: "[") else {
                    _ = try parser.parseValue(depth: 0)
                    throw AuditTrailError.invalid("body", "must be a JSON array of events (or NDJSON with Content-Type: application/x-ndjson)")
                }
                // The batch's array is not an event: only its events are held to the limits.
                var events = limits
                events.maxArrayElements = .max
                try parser.withLimits(events) { (parser: inout JSONParser.Parser) throws(AuditTrailError) in
                    try parser.elements(depth: 0) { (parser: inout JSONParser.Parser, index: Int) throws(AuditTrailError) in
                        guard index < maxCount else { throw tooManyEvents(maxCount) }
                        try parser.withLimits(limits) { (parser: inout JSONParser.Parser) throws(AuditTrailError) in
                            try body(index, try read(&parser, depth: 1, fieldPrefix: "[\(index)]."))
                        }
                    }
                }
            }
        }
        var result: Result<Void, AuditTrailError> = .success(())
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(AuditTrailError) { try readLines(buffer, maxCount: maxCount, limits: limits, body) } catch { result = .failure(error) }
        }
        if contiguous == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { buffer in
                do throws(AuditTrailError) { try readLines(buffer, maxCount: maxCount, limits: limits, body) } catch { result = .failure(error) }
            }
        }
        try result.get()
    }

    /// NDJSON: each non-blank line (`\n` or `\r\n`, spaces and tabs around it ignored) is one event.
    static func readLines(
        _ bytes: UnsafeBufferPointer<UInt8>,
        maxCount: Int,
        limits: JSONParser.Limits,
        _ body: (Int, Result<AuditEventInput, AuditTrailError>) throws(AuditTrailError) -> Void
    ) throws(AuditTrailError) {
        var index = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            var first = start
            while first < end, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
            while end > first, bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            start = next
            guard end > first else { continue }
            guard index < maxCount else { throw tooManyEvents(maxCount) }
            let line = UnsafeBufferPointer(rebasing: bytes[first..<end])
            try body(index, readLine(line, index: index, limits: limits))
            index += 1
        }
    }

    /// One NDJSON line's event; a syntax error or a broken limit is its failure, named `[index]`
    /// unless it names a field of the event.
    static func readLine(_ line: UnsafeBufferPointer<UInt8>, index: Int, limits: JSONParser.Limits) -> Result<AuditEventInput, AuditTrailError> {
        guard line.count <= limits.maxValueBytes else {
            return .failure(
                AuditTrailError(
                    .tooLarge,
                    "[\(index)]: too large",
                    fieldErrors: [.init(field: "[\(index)]", message: "must be at most \(limits.maxValueBytes) bytes encoded")]
                )
            )
        }
        do throws(AuditTrailError) {
            return try read(jsonBytes: line, fieldPrefix: "[\(index)].", limits: limits)
        } catch {
            guard error.fieldErrors.allSatisfy({ $0.field == "body" }) else { return .failure(error) }
            return .failure(
                AuditTrailError(
                    error.code,
                    "[\(index)]: invalid JSON",
                    fieldErrors: error.fieldErrors.map { .init(field: "[\(index)]", message: $0.message) }
                )
            )
        }
    }

    /// The error for a batch of more than `maxCount` events (413).
    public static func tooManyEvents(_ maxCount: Int) -> AuditTrailError {
        AuditTrailError(
            .tooLarge,
            "body: more than \(maxCount) events",
            fieldErrors: [.init(field: "body", message: "must hold at most \(maxCount) events")]
        )
    }
}
