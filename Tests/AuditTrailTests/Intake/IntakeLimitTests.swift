import Testing

@testable import AuditTrail

/// Issue 12, finding 3 ("CPU and memory exhaustion by one batch"): every per-event and per-object
/// limit applies while parsing, before work grows, and no error grows with the input. The times
/// are a loose regression guard (the reporter's case took 26 s), not a target.
@Suite struct IntakeLimitTests {
    /// One event with `count` unknown keys, as JSON bytes.
    static func eventWithUnknownKeys(_ count: Int) -> [UInt8] {
        Array((#"{"action":"doc.view","# + (0..<count).map { #""k\#($0)":0"# }.joined(separator: ",") + "}").utf8)
    }

    /// An object (the `metadata` of an event) with `count` distinct members, as JSON bytes.
    static func metadataWithMembers(_ count: Int) -> [UInt8] {
        Array((#"{"action":"doc.view","metadata":{"# + (0..<count).map { #""m\#($0)":0"# }.joined(separator: ",") + "}}").utf8)
    }

    @Test func batchWithManyUnknownKeysIsRefusedFast() throws {
        // The reporter's case: a 1 MB batch of one event with 100,000 unknown keys (26 s of CPU
        // and a 4.9 MB error body). In an array, reading stops at the first unknown keys; as an
        // NDJSON line it is over the size of one event and not parsed at all.
        let event = Self.eventWithUnknownKeys(100_000)
        #expect(event.count > 1_000_000)
        for ndjson in [false, true] {
            let batch = ndjson ? event : Array("[".utf8) + event + Array("]".utf8)
            let start = ContinuousClock.now
            var failures: [AuditTrailError] = []
            let thrown = caughtError { () throws(AuditTrailError) in
                try AuditEventInput.readBatch(batch, ndjson: ndjson, maxCount: 10_000) { _, result in
                    if case .failure(let error) = result { failures.append(error) }
                }
            }
            #expect(ContinuousClock.now - start < .seconds(1))
            let error = try #require(thrown ?? failures.first)
            if ndjson {
                #expect(error.code == .tooLarge)
                #expect(error.fieldErrors.map(\.field) == ["[0]"])
            } else {
                #expect(error.fieldErrors.count == AuditTrailError.maxFieldErrors)
                #expect(error.fieldErrors.first == .init(field: "[0].k0", message: "unknown field"))
                #expect(error.message == "\(AuditTrailError.maxFieldErrors) fields are invalid (the list stops at \(AuditTrailError.maxFieldErrors))")
            }
        }
    }

    @Test func eventWithManyUnknownKeysIsRefusedFast() {
        let start = ContinuousClock.now
        let error = caughtError { () throws(AuditTrailError) in
            try AuditEventInput(jsonBytes: Self.eventWithUnknownKeys(100_000), limits: .unlimited)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(error?.fieldErrors.count == AuditTrailError.maxFieldErrors)
        #expect(
            error?.message == "\(AuditTrailError.maxFieldErrors) fields are invalid (the list stops at \(AuditTrailError.maxFieldErrors))"
        )
    }

    @Test func duplicateKeysAreFoundInLinearTime() throws {
        // The streaming reader's check for duplicate keys, over 100,000 distinct keys: a linear
        // search per key took minutes.
        let text = Array(("{" + (0..<100_000).map { #""k\#($0)":0"# }.joined(separator: ",") + "}").utf8)
        let start = ContinuousClock.now
        var count = 0
        try JSONParser.read(text) { (parser: inout JSONParser.Parser) throws(AuditTrailError) in
            try parser.members(depth: 0) { (parser: inout JSONParser.Parser, _: String) throws(AuditTrailError) in
                _ = try parser.parseValue(depth: 1)
                count += 1
            }
        }
        #expect(count == 100_000)
        #expect(ContinuousClock.now - start < .seconds(1))
        let duplicate = caughtError { () throws(AuditTrailError) in
            try AuditEventInput(jsonBytes: Array(#"{"action":"doc.view","actor":{"id":"a"},"action":"doc.edit"}"#.utf8))
        }
        #expect(duplicate?.message.contains("duplicate key \"action\"") == true)
    }

    /// The streaming reader keeps an object's first 16 keys in place and the rest in a set: a
    /// duplicate is found wherever its twin is (among the first 16, past them, across the two),
    /// keys of one length that differ pass, and an escaped key equals its plain form.
    @Test(
        arguments: [
            (3, 9, true), (0, 15, true), (15, 16, true), (2, 20, true), (17, 30, true), (16, 40, true), (-1, -1, false),
        ] as [(Int, Int, Bool)]
    )
    func duplicateKeysAreFoundAmongTheFirstSixteenAndPastThem(first: Int, second: Int, duplicate: Bool) {
        // 41 keys of one length ("k10" … "k50"); key `second` repeats key `first`.
        var keys = (10...50).map { "k\($0)" }
        if duplicate { keys[second] = keys[first] }
        let text = Array(("{" + keys.map { #""\#($0)":0"# }.joined(separator: ",") + "}").utf8)
        let error = caughtError { () throws(AuditTrailError) in
            try JSONParser.read(text) { (parser: inout JSONParser.Parser) throws(AuditTrailError) in
                try parser.members(depth: 0) { (parser: inout JSONParser.Parser, _: String) throws(AuditTrailError) in
                    _ = try parser.parseValue(depth: 1)
                }
            }
        }
        #expect((error != nil) == duplicate, "\(first) \(second)")
        if duplicate { #expect(error?.message.contains("duplicate key \"\(keys[first])\"") == true) }
        let escaped = caughtError { () throws(AuditTrailError) in
            try AuditEventInput(jsonBytes: Array(#"{"action":"doc.view","\u0061ction":"doc.edit"}"#.utf8))
        }
        #expect(escaped?.message.contains("duplicate key \"action\"") == true)
    }

    @Test func objectsPastTheMemberLimitAreRefusedWhileReading() {
        let limit = AuditEventValidator.Configuration().maxObjectMembers
        #expect(caughtError { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: Self.metadataWithMembers(limit)) } == nil)
        let error = caughtError { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: Self.metadataWithMembers(limit + 1)) }
        #expect(error?.fieldErrors == [.init(field: "metadata", message: "objects must have at most \(limit) members")])
    }

    @Test func arraysPastTheElementLimitAreRefusedWhileReading() {
        let limit = AuditEventValidator.Configuration().maxListCount
        func event(_ field: String, _ count: Int) -> [UInt8] {
            Array((#"{"action":"doc.view",""# + field + #"":["# + Array(repeating: #""t""#, count: count).joined(separator: ",") + "]}").utf8)
        }
        for field in ["tags", "files"] {
            #expect(caughtError { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: event(field, limit)) } == nil)
            let error = caughtError { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: event(field, limit + 1)) }
            #expect(error?.fieldErrors == [.init(field: field, message: "arrays must have at most \(limit) elements")])
        }
        let nested = Array(
            (#"{"action":"doc.view","metadata":{"a":{"b":["# + Array(repeating: "1", count: limit + 1).joined(separator: ",") + "]}}}").utf8
        )
        #expect(fieldNames { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: nested) } == ["metadata"])
    }

    @Test func stringsPastTheLimitAreRefusedWhileReading() {
        // The reader's bound is in UTF-8 bytes: 4× the limit in characters (a code point takes
        // at most 4 bytes), checked while reading, before anything grows.
        let limit = AuditEventValidator.Configuration().maxStringLength
        let bound = auditMaxUTF8Bytes(forLength: limit)
        let long = String(repeating: "x", count: bound + 1)
        let cases: [(String, String)] = [
            (#"{"action":"doc.view","description":"\#(long)"}"#, "description"),
            (#"{"action":"doc.view","actor":{"user_agent":"\#(long)"}}"#, "actor.user_agent"),
            (#"{"action":"doc.view","metadata":{"\#(long)":1}}"#, "metadata"),
            (#"{"action":"doc.view","\#(long)":1}"#, "event"),
            // Escapes count once unescaped: bound + 1 × "\u0041" is over.
            (#"{"action":"doc.view","comment":"\#(String(repeating: #"\u0041"#, count: bound + 1))"}"#, "comment"),
        ]
        for (text, field) in cases {
            let error = caughtError { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: Array(text.utf8)) }
            #expect(error?.fieldErrors == [.init(field: field, message: "strings and keys must be at most \(bound) bytes")])
        }
        // 10,000 escapes (60,000 bytes written, within the event's 64 KiB) read as 10,000 bytes.
        let exact = #"{"action":"doc.view","comment":"\#(String(repeating: #"\u0041"#, count: 10_000))"}"#
        #expect(caughtError { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: Array(exact.utf8)) } == nil)
    }

    @Test func stringLimitsCountCharactersAsJSONSchemaDoes() {
        // Schemathesis sent an actor.type of 33 code points (each 4 UTF-8 bytes) against the
        // document's maxLength 64: a limit counts code points, as JSON Schema's maxLength does.
        let validator = AuditEventValidator()
        let limit = validator.configuration.maxStringLength
        func refusal(_ json: String) -> [AuditTrailError.FieldError]? {
            caughtError { () throws(AuditTrailError) in _ = try validator.prepare(json: Array(json.utf8)) }?.fieldErrors
        }
        let fraktur = String(repeating: "𝕿", count: 64)  // 64 code points, 256 bytes
        #expect(refusal(#"{"action":"doc.view","actor":{"type":"\#(fraktur)"}}"#) == nil)
        #expect(
            refusal(#"{"action":"doc.view","actor":{"type":"\#(fraktur)x"}}"#) == [
                .init(field: "actor.type", message: "must be at most 64 characters")
            ]
        )
        let longest = String(repeating: "é", count: limit)  // 2 bytes each
        #expect(refusal(#"{"action":"doc.view","description":"\#(longest)"}"#) == nil)
        #expect(
            refusal(#"{"action":"doc.view","description":"\#(longest)e"}"#) == [
                .init(field: "description", message: "must be at most \(limit) characters")
            ]
        )
        #expect(
            refusal(#"{"action":"doc.view","metadata":{"k":"\#(longest)e"}}"#) == [
                .init(field: "metadata.k", message: "strings must be at most \(limit) characters")
            ]
        )
        #expect("𝕿𝕿".exceedsLength(1) && !"𝕿𝕿".exceedsLength(2) && !"ab".exceedsLength(2))
    }

    @Test func eventOfABatchPastTheEventSizeIsRefusedWhileReading() {
        let limit = AuditEventValidator.Configuration().maxEventBytes
        // A valid event of about 1 MB: many members of a nested metadata object, each within every other limit.
        let members = (0..<900).map { #""m\#($0)":"\#(String(repeating: "x", count: 1_000))""# }.joined(separator: ",")
        let big = #"{"action":"doc.view","metadata":{"# + members + "}}"
        #expect(big.utf8.count > 8 * limit)
        let batch = Array(#"[{"action":"doc.view"},"#.utf8) + Array(big.utf8) + Array("]".utf8)
        var read: [Int] = []
        let error = caughtError { () throws(AuditTrailError) in
            try AuditEventInput.readBatch(batch, ndjson: false, maxCount: 10) { index, _ in read.append(index) }
        }
        #expect(read == [0])
        #expect(error?.code == .tooLarge)
        #expect(error?.fieldErrors == [.init(field: "[1]", message: "must be at most \(limit) bytes encoded")])
    }

    @Test func batchReaderStopsWhenItsBodyThrows() {
        let body = Array(("[" + Array(repeating: #"{"action":"x","k":1}"#, count: 10_000).joined(separator: ",") + "]").utf8)
        var reported = 0
        let error = caughtError { () throws(AuditTrailError) in
            try AuditEventInput.readBatch(body, ndjson: false, maxCount: 10_000) {
                (_: Int, result: Result<AuditEventInput, AuditTrailError>) throws(AuditTrailError) in
                if case .failure(let error) = result { reported += error.fieldErrors.count }
                if reported >= AuditTrailError.maxFieldErrors { throw AuditTrailError.invalid("body", "stopped") }
            }
        }
        #expect(error?.message == "body: stopped")
        #expect(reported == AuditTrailError.maxFieldErrors)
    }

    @Test func ndjsonLinesAreSplitAndCountedWhileReading() {
        let text = "{\"action\":\"a.b\"}\r\n\n  {\"action\":\"a.c\",}  \n\t{\"action\":\"a.d\"}"
        var seen: [(Int, [String])] = []
        let error = caughtError { () throws(AuditTrailError) in
            try AuditEventInput.readBatch(Array(text.utf8), ndjson: true, maxCount: 10) { index, result in
                switch result {
                case .success(let input): seen.append((index, [input.action]))
                case .failure(let error): seen.append((index, error.fieldErrors.map(\.field)))
                }
            }
        }
        #expect(error == nil)
        #expect(seen.map(\.0) == [0, 1, 2])
        #expect(seen.map(\.1) == [["a.b"], ["[1]"], ["a.d"]])
        let tooMany = caughtError { () throws(AuditTrailError) in
            try AuditEventInput.readBatch(Array(text.utf8), ndjson: true, maxCount: 2) { _, _ in }
        }
        #expect(tooMany?.code == .tooLarge)
    }
}
