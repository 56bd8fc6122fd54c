import AuditTrail
import FuzzSupport

/// The validator the server uses, with its defaults.
let validator = AuditEventValidator()
/// A fixed receipt time, so a run is reproducible.
let receivedAt = AuditTime(milliseconds: 1_795_000_000_000)

/// One event from JSON bytes, as `POST /v1/events` reads it: the streaming reader under the
/// validator's limits, then the validator. Also the generic parser under the request limits, whose
/// value must survive a canonical round trip. Any error must stay bounded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    do {
        let input = try AuditEventInput(jsonBytes: bytes, limits: validator.configuration.jsonLimits)
        _ = try validator.prepare(input, receivedAt: receivedAt)
    } catch {
        precondition(error.fieldErrors.count <= AuditTrailError.maxFieldErrors, "an error lists more than the most field errors")
    }
    if let value = try? JSONParser.parse(bytes, limits: .request) {
        let encoded = CanonicalJSON.encode(value)
        guard let again = try? JSONParser.parse(encoded) else { preconditionFailure("canonical JSON does not parse") }
        precondition(CanonicalJSON.encode(again) == encoded, "canonical JSON is not stable")
    }
    return 0
}

/// The program: libFuzzer's driver on ``fuzzEventDecoder(_:_:)``.
@main
enum FuzzEventDecoder {
    static func main() { runFuzzer(fuzzEventDecoder) }
}
