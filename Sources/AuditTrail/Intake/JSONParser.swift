/// A strict, fast JSON parser (RFC 8259) from UTF-8 bytes to ``JSONValue``.
///
/// It exists so that every entrance validates one parsed tree and can name the field that is wrong;
/// `JSONDecoder` errors name coding paths, not fields, and cost twice as much on the ingest path.
///
/// ```swift
/// let value = try JSONParser.parse(Array(#"{"action":"user.login"}"#.utf8))
/// ```
public enum JSONParser {
    /// Nesting deeper than this is rejected (a guard against stack exhaustion).
    public static let maximumDepth = 64

    /// Parses one JSON text; trailing non-whitespace is an error.
    ///
    /// - Parameter limits: what the text may hold, checked as it is read (a request body from a
    ///   client: ``Limits/request``); none by default, for JSON this program or its server wrote.
    public static func parse(_ bytes: some Collection<UInt8>, limits: Limits = .unlimited) throws(AuditTrailError) -> JSONValue {
        try read(bytes, limits: limits) { (parser: inout Parser) throws(AuditTrailError) in try parser.parseValue(depth: 0) }
    }

    /// Runs `body` on a parser over the whole of `bytes` (leading whitespace skipped), then
    /// requires that only whitespace follows what `body` read. The streaming readers
    /// (``AuditEventInput/init(jsonBytes:fieldPrefix:limits:)``, batches) are built on it. A broken
    /// limit that no reader named a field for is named `body`.
    static func read<T>(
        _ bytes: some Collection<UInt8>,
        limits: Limits = .unlimited,
        _ body: (inout Parser) throws(AuditTrailError) -> T
    ) throws(AuditTrailError) -> T {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) throws(AuditTrailError) -> T {
            var parser = Parser(bytes: buffer, limits: limits)
            parser.skipWhitespace()
            do throws(AuditTrailError) {
                let value = try body(&parser)
                parser.skipWhitespace()
                guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
                return value
            } catch {
                throw error.namingLimit("body")
            }
        }
        // Contiguous input (arrays, ByteBuffer views) is read in place, without a copy.
        var result: Result<T, AuditTrailError>?
        bytes.withContiguousStorageIfAvailable { buffer in
            do throws(AuditTrailError) { result = .success(try run(buffer)) } catch { result = .failure(error) }
        }
        if let result { return try result.get() }
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(AuditTrailError) in try run(buffer) }
    }

    /// Parses a UTF-8 string.
    public static func parse(_ string: String) throws(AuditTrailError) -> JSONValue {
        try parse(Array(string.utf8))
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var limits: Limits
        var index = 0
        /// Reading past this index breaks ``Limits/maxValueBytes`` (set by a streaming reader
        /// for the value it reads, such as one event of a batch).
        var valueEnd = Int.max

        init(bytes: UnsafeBufferPointer<UInt8>, limits: Limits = .unlimited) {
            self.bytes = bytes
            self.limits = limits
        }

        func error(_ rule: String) -> AuditTrailError {
            AuditTrailError.invalid("body", "invalid JSON at byte \(index): \(rule)")
        }

        /// Runs `body` with other limits (a batch holds its events, not its array, to an event's).
        mutating func withLimits<T>(_ limits: Limits, _ body: (inout Parser) throws(AuditTrailError) -> T) throws(AuditTrailError) -> T {
            let saved = self.limits
            self.limits = limits
            defer { self.limits = saved }
            return try body(&self)
        }

        /// Throws when the value being read has run past ``valueEnd``.
        func checkValueEnd() throws(AuditTrailError) {
            guard index <= valueEnd else { throw Limits.broken(.tooLarge, "must be at most \(limits.maxValueBytes) bytes encoded") }
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(AuditTrailError) -> JSONValue {
            try checkValueEnd()
            guard index < bytes.count else { throw error("unexpected end of input") }
            // A container opened at `depth` is nesting level `depth + 1`; at most `maximumDepth` levels.
            if bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") {
                guard depth < JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
            }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error("unexpected character")
            }
        }

        mutating func expect(_ literal: StaticString) throws(AuditTrailError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("unexpected end of input") }
            let start = literal.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                throw error("invalid literal")
            }
            index += count
        }

        /// The next byte, if any (after whitespace was skipped).
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        /// Reads the object that starts here member by member without building it: `body` gets
        /// each key and must read exactly its value (at nesting `depth + 1`). Duplicate keys are
        /// rejected as ``parseObject(depth:)`` rejects them (``SeenKeys``: O(1) per key past the
        /// first 16), and so are more than ``Limits/maxObjectMembers`` members.
        mutating func members(depth: Int, _ body: (inout Parser, String) throws(AuditTrailError) -> Void) throws(AuditTrailError) {
            guard depth < JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
            guard peek == UInt8(ascii: "{") else { throw error("expected an object") }
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                index += 1
                return
            }
            var keys = SeenKeys()
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
                guard keys.count < limits.maxObjectMembers else { throw Limits.tooManyMembers(limits.maxObjectMembers) }
                let key = try parseString()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                try body(&self, key)
                guard keys.insert(key) else { throw error("duplicate key \"\(key.prefix(64))\"") }
                try checkValueEnd()
                skipWhitespace()
                guard let next = peek else { throw error("unexpected end of input") }
                index += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "}") { return }
                index -= 1
                throw error("expected ',' or '}'")
            }
        }

        /// Reads the array that starts here element by element: `body` gets each index and must
        /// read exactly that element (at nesting `depth + 1`); more than
        /// ``Limits/maxArrayElements`` elements are rejected.
        mutating func elements(depth: Int, _ body: (inout Parser, Int) throws(AuditTrailError) -> Void) throws(AuditTrailError) {
            guard depth < JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
            guard peek == UInt8(ascii: "[") else { throw error("expected an array") }
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                index += 1
                return
            }
            var count = 0
            while true {
                skipWhitespace()
                guard count < limits.maxArrayElements else { throw Limits.tooManyElements(limits.maxArrayElements) }
                try body(&self, count)
                count += 1
                try checkValueEnd()
                skipWhitespace()
                guard let next = peek else { throw error("unexpected end of input") }
                index += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "]") { return }
                index -= 1
                throw error("expected ',' or ']'")
            }
        }

        mutating func parseObject(depth: Int) throws(AuditTrailError) -> JSONValue {
            index += 1
            var object: [String: JSONValue] = Dictionary(minimumCapacity: 8)
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                guard object.count < limits.maxObjectMembers else { throw Limits.tooManyMembers(limits.maxObjectMembers) }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                guard object.updateValue(value, forKey: key) == nil else { throw error("duplicate key \"\(key.prefix(64))\"") }
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(object)
                }
                throw error("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws(AuditTrailError) -> JSONValue {
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                guard array.count < limits.maxArrayElements else { throw Limits.tooManyElements(limits.maxArrayElements) }
                array.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(array)
                }
                throw error("expected ',' or ']'")
            }
        }

        mutating func parseString() throws(AuditTrailError) -> String {
            index += 1
            let start = index
            var ascii = true
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    if ascii { return String(decoding: slice, as: UTF8.self) }  // ASCII is valid UTF-8
                    guard let string = String(validating: slice, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                    return string
                }
                if byte >= 0x80 { ascii = false }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw error("control character in string") }
                index += 1
                guard index - start <= limits.maxStringBytes else { throw Limits.stringTooLong(limits.maxStringBytes) }
            }
            var scalars: [UInt8] = Array(bytes[start..<index])
            while index < bytes.count {
                guard scalars.count <= limits.maxStringBytes else { throw Limits.stringTooLong(limits.maxStringBytes) }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let string = String(validating: scalars, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                    return string
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw error("unexpected end of input") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append(0x22)
                    case UInt8(ascii: "\\"): scalars.append(0x5C)
                    case UInt8(ascii: "/"): scalars.append(0x2F)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try parseHex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                            else { throw error("unpaired surrogate") }
                            index += 2
                            let low = try parseHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(code) {
                            throw error("unpaired surrogate")
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("invalid escape") }
                        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw error("invalid escape")
                    }
                default:
                    if byte < 0x20 { throw error("control character in string") }
                    scalars.append(byte)
                    index += 1
                }
            }
            throw error("unterminated string")
        }

        mutating func parseHex4() throws(AuditTrailError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func parseNumber() throws(AuditTrailError) -> JSONValue {
            let start = index
            var isInteger = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { throw error("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                let digits = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > digits else { throw error("invalid number") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                let digits = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > digits else { throw error("invalid number") }
            }
            // Integers of up to 18 digits (every status, duration and risk score) need no text.
            let digitsStart = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
            if isInteger, index - digitsStart <= 18 {
                var value: Int64 = 0
                for position in digitsStart..<index { value = value &* 10 &+ Int64(bytes[position] &- UInt8(ascii: "0")) }
                return .int(digitsStart == start ? value : -value)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if isInteger, let int = Int64(text) { return .int(int) }
            guard let double = Double(text), double.isFinite else { throw error("number out of range") }
            return .double(double)
        }
    }
}
