/// Splits a Server-Sent Events byte stream into its messages, as an `EventSource` does (WHATWG
/// HTML, "Interpreting an event stream"): lines end in CRLF, LF or CR; `data:` lines join with
/// newlines; `event:` names the type (`message` when absent); `id:` sets the last event id even
/// for a message without data (the heartbeats of `GET /v1/stream` carry the position that way);
/// lines starting with `:` are comments. A line longer than ``maxLineBytes`` is an error, so a
/// hostile server cannot grow the client's memory.
///
/// ```swift
/// var parser = AuditSSEParser()
/// for message in try parser.feed(bytes) { print(message.event, message.data) }
/// ```
public struct AuditSSEParser: Sendable {
    /// One dispatched message.
    public struct Message: Sendable, Hashable {
        /// `message` unless an `event:` line named another type.
        public var event: String
        /// The `data:` lines, joined with newlines.
        public var data: String
        /// The last event id when it was dispatched (nil before any `id:`).
        public var id: String?

        /// A message of type `event` with `data` and `id`.
        public init(event: String, data: String, id: String?) {
            self.event = event
            self.data = data
            self.id = id
        }
    }

    /// A line over the limit.
    public struct LineTooLong: Error, CustomStringConvertible {
        public var description: String { "a Server-Sent Events line is longer than the limit" }
    }

    /// The longest line accepted. Default 1 MiB (an event is at most 64 KiB of JSON).
    public var maxLineBytes = 1 << 20
    /// The last event id seen: what a reconnect sends as `Last-Event-ID`.
    public private(set) var lastEventID: String?

    private var line: [UInt8] = []
    private var afterCR = false
    private var data: [UInt8] = []
    private var hasData = false
    private var event = ""
    private var idBuffer: String?

    /// A parser at the start of a stream.
    public init() {}

    /// Reads `bytes`; returns the messages they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [Message] {
        var out: [Message] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 10 { continue }
            }
            switch byte {
            case 13:
                afterCR = true
                if let message = endLine() { out.append(message) }
            case 10:
                if let message = endLine() { out.append(message) }
            default:
                guard line.count < maxLineBytes else { throw LineTooLong() }
                line.append(byte)
            }
        }
        return out
    }

    private mutating func endLine() -> Message? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else { return dispatch() }
        guard line[0] != UInt8(ascii: ":") else { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self)
        var valueStart = colon.map { $0 + 1 } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch name {
        case "data":
            if hasData { data.append(10) }
            data += value
            hasData = true
        case "event":
            event = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { idBuffer = String(decoding: value, as: UTF8.self) }
        default:
            break  // `retry` and unknown fields
        }
        return nil
    }

    private mutating func dispatch() -> Message? {
        if let idBuffer { lastEventID = idBuffer }
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            event = ""
        }
        guard hasData else { return nil }
        return Message(event: event.isEmpty ? "message" : event, data: String(decoding: data, as: UTF8.self), id: lastEventID)
    }
}
