import AuditTrail
import FuzzSupport

/// The validator the server uses, with its defaults.
let validator = AuditEventValidator()
/// A fixed receipt time, so a run is reproducible.
let receivedAt = AuditTime(milliseconds: 1_795_000_000_000)
/// Fewer events than the server's 10,000, so that a short input can reach the limit.
let maxCount = 64

/// A batch as `POST /v1/events/batch` reads it (``AuditEventInput/readBatch(_:ndjson:maxCount:limits:_:)``):
/// the first byte's low bit picks NDJSON or a JSON array; every event read is validated. Events
/// come in index order, never more than `maxCount`, and every error stays bounded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatchSplitter(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let ndjson = data[0] & 1 == 1
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    var next = 0
    do {
        try AuditEventInput.readBatch(bytes, ndjson: ndjson, maxCount: maxCount, limits: validator.configuration.jsonLimits) {
            (index: Int, event: Result<AuditEventInput, AuditTrailError>) throws(AuditTrailError) in
            precondition(index == next && index < maxCount, "events out of order or past the count")
            next += 1
            switch event {
            case .success(let input): _ = try? validator.prepare(input, receivedAt: receivedAt, fieldPrefix: "[\(index)].")
            case .failure(let error): precondition(error.fieldErrors.count <= AuditTrailError.maxFieldErrors, "unbounded event error")
            }
        }
    } catch {
        precondition(error.fieldErrors.count <= AuditTrailError.maxFieldErrors, "an error lists more than the most field errors")
    }
    return 0
}

/// The program: libFuzzer's driver on ``fuzzBatchSplitter(_:_:)``.
@main
enum FuzzBatchSplitter {
    static func main() { runFuzzer(fuzzBatchSplitter) }
}
