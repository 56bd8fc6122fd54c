import AuditTrail
import AuditTrailTesting
import Testing

/// The seeded generator of the fixtures module (SplitMix64), so that property tests are reproducible.
typealias SeededGenerator = SplitMix64

/// The field names of a validation failure, or `nil` when `body` did not throw.
func fieldNames<T>(_ body: () throws(AuditTrailError) -> T) -> [String]? {
    do {
        _ = try body()
        return nil
    } catch {
        return error.fieldErrors.map(\.field)
    }
}

/// The error `body` threw, or `nil`.
func caughtError<T>(_ body: () throws(AuditTrailError) -> T) -> AuditTrailError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Builds random JSON values in the shapes `JSONParser` produces (integral numbers as `.int`,
/// other numbers as finite non-integral `.double`), so that `parse(canonical(x)) == x` must hold.
struct RandomJSON {
    var generator: SeededGenerator

    private static let alphabet: [Unicode.Scalar] =
        Array("abcxyzABC019 _-.:/\\\"'{}[],é€😀\u{7F}".unicodeScalars)
        + [Unicode.Scalar(0x00), Unicode.Scalar(0x08), Unicode.Scalar(0x0A), Unicode.Scalar(0x1F), Unicode.Scalar(0xFFFF)]
        .compactMap { $0 }

    mutating func string(maxLength: Int = 12) -> String {
        let length = Int.random(in: 0...maxLength, using: &generator)
        var text = ""
        for _ in 0..<length { text.unicodeScalars.append(Self.alphabet.randomElement(using: &generator)!) }
        return text
    }

    mutating func double() -> Double {
        while true {
            let exponent = Double(Int.random(in: -30...30, using: &generator))
            let value = Double.random(in: -1...1, using: &generator) * pow10(exponent)
            if value.isFinite, value.rounded() != value { return value }
        }
    }

    private func pow10(_ exponent: Double) -> Double {
        var result = 1.0
        let steps = Int(abs(exponent))
        for _ in 0..<steps { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        let maxKind = depth >= 4 ? 5 : 7
        switch Int.random(in: 0..<maxKind, using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int64.random(in: 0...63, using: &generator))
        case 3: return .double(double())
        case 4: return .string(string())
        case 5:
            let count = Int.random(in: 0...4, using: &generator)
            return .array((0..<count).map { _ in value(depth: depth + 1) })
        default:
            let count = Int.random(in: 0...4, using: &generator)
            var object: [String: JSONValue] = [:]
            for _ in 0..<count { object[string(maxLength: 6)] = value(depth: depth + 1) }
            return .object(object)
        }
    }
}

/// A fixed receipt time used by validation tests: 2026-11-22T08:00:00.123Z.
let fixedReceipt = AuditTime(milliseconds: 1_795_334_400_123)
