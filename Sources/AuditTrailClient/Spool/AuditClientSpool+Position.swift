extension AuditClientSpool {
    /// A place in the spool: a segment file's number and a byte offset in it. Positions order by
    /// segment, then offset; the spool is read and acknowledged in that order.
    public struct Position: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The segment's number (its file is `segment-<number, 16 digits>.jsonl`).
        public var segment: Int64
        /// The byte offset in the segment: always just after a line's newline, or 0.
        public var offset: Int64

        /// A position from its parts.
        public init(segment: Int64, offset: Int64) {
            self.segment = segment
            self.offset = offset
        }

        public static func < (a: Position, b: Position) -> Bool {
            (a.segment, a.offset) < (b.segment, b.offset)
        }

        public var description: String { "\(segment):\(offset)" }

        /// The acknowledgement file's text: `<segment> <offset>` and a newline.
        var fileText: String { "\(segment) \(offset)\n" }

        /// A position from the acknowledgement file's text, or nil.
        init?(fileText text: String) {
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard parts.count == 2, let segment = Int64(parts[0]), let offset = Int64(parts[1]), segment >= 0, offset >= 0 else {
                return nil
            }
            self.init(segment: segment, offset: offset)
        }
    }

    /// One spooled event: its JSON line (without the newline) and the position just after it.
    public struct Record: Sendable {
        /// The event's JSON text, as `POST /v1/events` takes it.
        public var line: ArraySlice<UInt8>
        /// The position just after this line: acknowledging it acknowledges this event and all before.
        public var end: Position
    }

    /// Records read from one segment, in order, and where the next read starts.
    public struct Batch: Sendable {
        /// The records, at most the count asked for; empty at the durable end.
        public var records: [Record]
        /// Where the read after this one starts (past these records, or the next segment's start).
        public var next: Position

        /// The records as an NDJSON body (`Content-Type: application/x-ndjson`).
        public static func ndjson(_ records: some Collection<Record>) -> [UInt8] {
            var body: [UInt8] = []
            body.reserveCapacity(records.reduce(0) { $0 + $1.line.count + 1 })
            for record in records {
                body += record.line
                body.append(UInt8(ascii: "\n"))
            }
            return body
        }
    }

    /// The segment file name of number `segment`.
    static func segmentName(_ segment: Int64) -> String {
        let digits = String(segment)
        return "segment-" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".jsonl"
    }

    /// The number of a segment file name, or nil for any other file.
    static func segmentNumber(_ name: String) -> Int64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".jsonl") else { return nil }
        return Int64(name.dropFirst("segment-".count).dropLast(".jsonl".count))
    }
}
