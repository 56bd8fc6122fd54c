import AuditTrail
import HTTPTypes
import Instrumentation
import ServiceContextModule
import Tracing

/// Where a request's correlation id comes from, in order: the app's correlation header (when it is
/// 1–128 safe characters: letters, digits, `-`, `_`, `.`, `:`), the W3C `traceparent` header's trace
/// id, the current distributed-tracing span's trace id (as the installed instrument would propagate
/// it in `traceparent`), or a new UUIDv7.
enum AuditCorrelationID {
    /// The longest correlation id accepted from a client.
    static let maxLength = 128
    static let traceparent = HTTPField.Name("traceparent")!

    static func resolve(_ headers: HTTPFields, header: HTTPField.Name, now: AuditTime) -> String {
        if let given = headers[header], isSafe(given) { return given }
        if let parent = headers[traceparent], let trace = traceID(fromTraceparent: parent) { return trace }
        if let trace = currentTraceID() { return trace }
        return AuditEventID.makeUUIDv7(at: now)
    }

    /// Whether a client's id may be used: bounded, and only characters that are safe in logs,
    /// headers and the search language.
    static func isSafe(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= maxLength else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
                true
            default: false
            }
        }
    }

    /// The trace id of `00-<32 hex>-<16 hex>-<2 hex>`, or nil when malformed or all zeros.
    static func traceID(fromTraceparent value: String) -> String? {
        let utf8 = Array(value.utf8)
        guard utf8.count >= 55, utf8[2] == UInt8(ascii: "-"), utf8[35] == UInt8(ascii: "-"), utf8[52] == UInt8(ascii: "-")
        else { return nil }
        let version = utf8[0..<2]
        guard version.allSatisfy(isLowerHex), version.elementsEqual("ff".utf8) == false else { return nil }
        if version.elementsEqual("00".utf8), utf8.count != 55 { return nil }
        let trace = utf8[3..<35]
        let span = utf8[36..<52]
        guard trace.allSatisfy(isLowerHex), span.allSatisfy(isLowerHex), utf8[53..<55].allSatisfy(isLowerHex),
            trace.contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        return String(decoding: trace, as: UTF8.self)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte)
    }

    /// The current span's trace id, as the installed instrument injects it into `traceparent`;
    /// nil when there is no current context or the instrument does not speak W3C trace context.
    static func currentTraceID() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var carrier = TraceparentCarrier()
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: TraceparentCarrier.Injector())
        return carrier.value.flatMap(traceID(fromTraceparent:))
    }

    /// Catches the `traceparent` an instrument injects.
    struct TraceparentCarrier {
        var value: String?

        struct Injector: Instrumentation.Injector {
            func inject(_ value: String, forKey key: String, into carrier: inout TraceparentCarrier) {
                if key.lowercased() == "traceparent" { carrier.value = value }
            }
        }
    }
}
