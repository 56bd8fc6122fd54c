import AuditTrail
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    @Test(
        "parses valid documents into the expected values",
        arguments: [
            ("null", JSONValue.null),
            ("true", .bool(true)),
            (" \t\r\nfalse \n", .bool(false)),
            ("0", .int(0)),
            ("-0", .int(0)),
            ("42", .int(42)),
            ("-17", .int(-17)),
            ("9223372036854775807", .int(Int64.max)),
            ("-9223372036854775808", .int(Int64.min)),
            ("1.5", .double(1.5)),
            ("-0.25", .double(-0.25)),
            ("1e3", .double(1000)),
            ("2E-2", .double(0.02)),
            ("1.0", .double(1.0)),
            ("6.02e+23", .double(6.02e23)),
            (#""""#, .string("")),
            (#""plain""#, .string("plain")),
            (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t")),
            (#""\u0041\u00e9\u20AC""#, .string("Aé€")),
            (#""\u0000""#, .string("\u{0}")),
            (#""\ud83d\ude00""#, .string("😀")),
            (#""x\uD834\uDD1Ey""#, .string("x𝄞y")),
            ("\"grüße 日本 😀\"", .string("grüße 日本 😀")),
            ("[]", .array([])),
            ("{}", .object([:])),
            ("[1, \"a\", null, [true, {}]]", .array([1, "a", nil, [true, .object([:])]])),
            (#"{"a": {"b": [1, 2, {"c": null}]}, "d": -1.5}"#, ["a": ["b": [1, 2, ["c": nil]]], "d": -1.5]),
            (#"{"":1,"é":2}"#, ["": 1, "é": 2]),
        ] as [(String, JSONValue)]
    )
    func parsesValidDocuments(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("integers beyond Int64 become doubles")
    func bigIntegersBecomeDoubles() throws {
        #expect(try JSONParser.parse("9223372036854775808") == .double(9.223372036854775808e18))
        #expect(try JSONParser.parse("-9223372036854775809") == .double(-9.223372036854775808e18))
        #expect(try JSONParser.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test(
        "rejects malformed input naming the body",
        arguments: [
            "", " ", "nul", "tru", "falsey", "nan", "Infinity", "+1", "01", "-", "1.", ".5", "1e", "1e+", "--1",
            "0x10", "1e400", "-1e400", "[", "]", "[1,]", "[,1]", "[1 2]", "{", "}", #"{"a"}"#, #"{"a":}"#,
            #"{"a":1,}"#, #"{,"a":1}"#, #"{a:1}"#, #"{'a':1}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, "{1:2}",
            #"{"a":1}x"#, "1 2", "[] []", #""abc"#, #""abc\"#, #""\x""#, #""\u12""#, #""\u12G4""#, #""\uD800""#,
            #""\uD800x""#, #""\uD800\u0041""#, #""\uDC00""#, "\"tab\there\"", "\"new\nline\"", "\"nul\u{0}\"",
            "'single'", "[1]]", "{\"a\":1}}", "/* comment */ 1", "\u{FEFF}1",
        ]
    )
    func rejectsMalformedInput(text: String) {
        let error = caughtError { () throws(AuditTrailError) in try JSONParser.parse(text) }
        #expect(error?.code == .invalidInput)
        #expect(error?.fieldErrors.map(\.field) == ["body"])
    }

    @Test(
        "rejects duplicate keys at any depth",
        arguments: [
            #"{"a":1,"a":2}"#, #"{"a":1,"a":1}"#, #"{"x":{"k":true,"k":false}}"#, #"[{"a":null,"b":0,"a":null}]"#,
            #"{"\u0061":1,"a":2}"#,
        ]
    )
    func rejectsDuplicateKeys(text: String) {
        let error = caughtError { () throws(AuditTrailError) in try JSONParser.parse(text) }
        #expect(error?.fieldErrors.map(\.field) == ["body"])
        #expect(error?.message.contains("duplicate key") == true)
    }

    @Test(
        "rejects invalid UTF-8 inside and outside strings",
        arguments: [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0x61, 0x5C, 0x6E, 0xF8, 0x22], [0x5B, 0xFF, 0x5D], [0xFE],
        ] as [[UInt8]]
    )
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        let error = caughtError { () throws(AuditTrailError) in try JSONParser.parse(bytes) }
        #expect(error?.fieldErrors.map(\.field) == ["body"])
    }

    @Test("accepts 64 levels of nesting and rejects 65")
    func limitsNestingDepth() throws {
        let depth = JSONParser.maximumDepth
        #expect(depth == 64)
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try JSONParser.parse(arrays).arrayValue != nil)
        let withLeaf = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        #expect(try JSONParser.parse(withLeaf).arrayValue != nil)
        let objects = String(repeating: #"{"a":"#, count: depth) + "null" + String(repeating: "}", count: depth)
        #expect(try JSONParser.parse(objects).objectValue != nil)

        for text in [
            String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1),
            String(repeating: #"{"a":"#, count: depth + 1) + "null" + String(repeating: "}", count: depth + 1),
            String(repeating: #"{"a":"#, count: depth) + "[]" + String(repeating: "}", count: depth),
            String(repeating: "[", count: 100_000),
        ] {
            let error = caughtError { () throws(AuditTrailError) in try JSONParser.parse(text) }
            #expect(error?.fieldErrors.map(\.field) == ["body"])
        }
    }

    @Test("error messages name the byte offset but never echo the payload")
    func errorsDoNotEchoPayload() {
        let error = caughtError { () throws(AuditTrailError) in try JSONParser.parse(#"{"password":"hunter2"} x"#) }
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("byte 23"))
        #expect(!text.contains("hunter2"))
    }

    @Test("parses the same value from a string and from its bytes")
    func parsesBytesAndStringsAlike() throws {
        let text = #"{"k":[1,2.5,"é"]}"#
        #expect(try JSONParser.parse(Array(text.utf8)) == JSONParser.parse(text))
        #expect(try JSONParser.parse(text.utf8) == JSONParser.parse(text))
    }
}
