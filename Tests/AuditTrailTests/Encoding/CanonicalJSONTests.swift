import AuditTrail
import AuditTrailTesting
import Testing

@Suite("CanonicalJSON")
struct CanonicalJSONTests {
    private func text(_ value: JSONValue) -> String {
        String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
    }

    @Test(
        "encodes scalars, arrays and objects without whitespace",
        arguments: [
            (JSONValue.null, "null"),
            (.bool(true), "true"),
            (.bool(false), "false"),
            (.int(0), "0"),
            (.int(-7), "-7"),
            (.int(Int64.max), "9223372036854775807"),
            (.int(Int64.min), "-9223372036854775808"),
            (.double(1.5), "1.5"),
            (.double(-0.001), "-0.001"),
            (.string(""), #""""#),
            (.array([]), "[]"),
            (.object([:]), "{}"),
            ([1, [2, [3]], ["a": nil]], #"[1,[2,[3]],{"a":null}]"#),
            (["b": 1, "a": [true, false], "c": ["z": 0, "y": "x"]], #"{"a":[true,false],"b":1,"c":{"y":"x","z":0}}"#),
        ] as [(JSONValue, String)]
    )
    func encodesWithoutWhitespace(value: JSONValue, expected: String) {
        #expect(text(value) == expected)
    }

    @Test(
        "writes integral doubles as integers",
        arguments: [
            (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-42.0, "-42"), (1e3, "1000"), (8_999_999_999_999_998.0, "8999999999999998"),
        ]
    )
    func writesIntegralDoublesAsIntegers(value: Double, expected: String) {
        #expect(text(.double(value)) == expected)
        var out: [UInt8] = []
        CanonicalJSON.writeDouble(value, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test("writes non-integral doubles byte for byte as `description` does, three-decimal ones without formatting")
    func writesDoublesAsDescriptionDoes() {
        var values: [Double] = [
            0.001, -0.001, 0.5, -0.25, 12.345, 0.12, 0.1, 0.07, 123.4, 999_999_999.999, -999_999_999.999, 86_399_999.999,
            // Not three-decimal, or too large: the `description` path.
            0.0123456, 1.0 / 3.0, 1e-7, 0.0005, 1_000_000_000.5, 2.5e12 + 0.125, 0.1 + 0.2,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            values.append(Double(Int64.random(in: -999_999_999_999...999_999_999_999, using: &generator)) / 1000)
            values.append(Double(Int64.random(in: -100_000...100_000, using: &generator)) / 1000)
            values.append(Double.random(in: -1000...1000, using: &generator))
        }
        for value in values where value.rounded() != value {
            var out: [UInt8] = []
            CanonicalJSON.writeDouble(value, into: &out)
            let written = String(decoding: out, as: UTF8.self)
            #expect(written == value.description, "\(value)")
            if written != value.description { return }
        }
    }

    @Test(
        "writes huge and tiny doubles in a form that parses back to the same double",
        arguments: [
            1e300, -2.5e-300, 9.5e15, 1.2345678901234567e19, Double.leastNonzeroMagnitude, 0.1, 1.0 / 3.0,
        ]
    )
    func writesNonIntegralDoublesExactly(value: Double) throws {
        let parsed = try JSONParser.parse(CanonicalJSON.encode(.double(value)))
        #expect(parsed.doubleValue == value)
    }

    @Test(
        "escapes quotes, backslashes and control characters minimally",
        arguments: [
            ("a\"b", #""a\"b""#),
            ("a\\b", #""a\\b""#),
            ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#),
            ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
            ("/", #""/""#),
            ("\u{7F}é€😀", "\"\u{7F}é€😀\""),
            ("<script>&'", #""<script>&'""#),
        ]
    )
    func escapesStrings(value: String, expected: String) {
        #expect(text(.string(value)) == expected)
    }

    @Test("sorts keys by their UTF-8 bytes, not by Unicode collation or UTF-16")
    func sortsKeysByUTF8Bytes() {
        let value: JSONValue = ["b": 1, "B": 2, "a": 3, "é": 4, "\u{FFFF}": 5, "😀": 6, "aa": 7, "": 8, "_": 9, "1": 10]
        // UTF-8 order: "" < "1" < "B" < "_" < "a" < "aa" < "b" < "é" (C3 A9) < U+FFFF (EF BF BF) < 😀 (F0 …).
        // In UTF-16 order 😀 (D83D …) would come before U+FFFF.
        #expect(text(value) == "{\"\":8,\"1\":10,\"B\":2,\"_\":9,\"a\":3,\"aa\":7,\"b\":1,\"é\":4,\"\u{FFFF}\":5,\"😀\":6}")
        #expect(CanonicalJSON.utf8Less("\u{FFFF}", "😀"))
        #expect(!CanonicalJSON.utf8Less("😀", "\u{FFFF}"))
        #expect(CanonicalJSON.utf8Less("a", "aa"))
        #expect(!CanonicalJSON.utf8Less("a", "a"))
    }

    @Test("is deterministic regardless of how the object was built")
    func isDeterministic() {
        var generator = SeededGenerator(seed: 7)
        var keys = (0..<50).map { "k\($0)" }
        var first: [String: JSONValue] = [:]
        for (index, key) in keys.enumerated() { first[key] = .int(Int64(index)) }
        keys.shuffle(using: &generator)
        var second: [String: JSONValue] = [:]
        second.reserveCapacity(1000)
        for key in keys { second[key] = first[key] }
        #expect(CanonicalJSON.encode(.object(first)) == CanonicalJSON.encode(.object(second)))
    }

    @Test("write appends to existing bytes")
    func writeAppends() {
        var out = Array("prefix:".utf8)
        CanonicalJSON.write(["x": [1, "y"]], into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:{"x":[1,"y"]}"#)
    }

    @Test(
        "parse(canonical(x)) == x and canonical(parse(canonical(x))) == canonical(x) for random values",
        arguments: 0..<8
    )
    func roundTripsRandomValues(seed: UInt64) throws {
        var random = RandomJSON(generator: SeededGenerator(seed: 0xA0D1_7000 + seed))
        for _ in 0..<250 {
            let value = random.value()
            let encoded = CanonicalJSON.encode(value)
            let parsed = try JSONParser.parse(encoded)
            #expect(parsed == value, "\(String(decoding: encoded, as: UTF8.self))")
            #expect(CanonicalJSON.encode(parsed) == encoded)
            #expect(!encoded.contains(UInt8(ascii: "\n")))
        }
    }
}
