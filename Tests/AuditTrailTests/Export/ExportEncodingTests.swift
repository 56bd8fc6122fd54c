import AuditTrail
import Foundation
import Testing

/// The SIEM export formats, each read back by an independent parser written from its standard:
/// CSV (RFC 4180), CEF (escaping of the header and the extension), syslog (RFC 5424's header and
/// structured data) and OCSF (the classes and objects of the 1.3.0 schema, from a fixture derived
/// from the schema's own files).
struct ExportEncodingTests {
    /// A stored event, sealed as the writer seals it.
    static func stored(_ input: AuditEventInput, seq: Int64 = 7) throws -> AuditStoredEvent {
        var input = input
        input.time = input.time ?? AuditTime(milliseconds: 1_767_225_600_123)
        let prepared = try AuditEventValidator().prepare(input)
        return AuditSealer.seal(prepared, seq: seq, receivedAt: AuditTime(milliseconds: 1_767_225_601_000), previousHash: AuditChain.genesis)
            .stored
    }

    /// An event whose text holds what each format must escape.
    static var hostile: AuditEventInput {
        AuditEventInput(
            action: "document.updated",
            outcome: .denied,
            description: "=HYPERLINK(\"http://x\") | a\\b = c\r\nnext line, \"quoted\" ] ü",
            actor: .init(id: "u-1", name: "Ann, \"the\" admin|x", type: "user", ip: "2001:db8::1", userAgent: "curl/8", sessionID: "s-9"),
            resource: .init(type: "document", id: "d=1", name: "-1+1"),
            request: .init(method: "PATCH", path: "/docs/1?x=|", status: 403, correlationID: "req-1"),
            riskScore: 70,
            tags: ["a,b", "@c"],
            metadata: ["k": .string("v\n"), "n": .int(3)]
        )
    }

    // MARK: CSV

    /// RFC 4180, parsed by hand: quoted fields, doubled quotes, CRLF between records.
    static func parseCSV(_ bytes: [UInt8]) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var index = 0
        var quoted = false
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                record.append(String(decoding: field, as: UTF8.self))
                field = []
            } else if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                record.append(String(decoding: field, as: UTF8.self))
                records.append(record)
                (record, field) = ([], [])
                index += 1
            } else {
                field.append(byte)
            }
            index += 1
        }
        return records
    }

    @Test func csvRowsReadBackFieldForField() throws {
        let row = try Self.stored(Self.hostile)
        let encoder = AuditRecordEncoder(.csv, host: "h")
        let bytes = encoder.prefix + (try encoder.encode(row, index: 0)) + (try encoder.encode(row, index: 1)) + encoder.suffix
        let records = Self.parseCSV(bytes)
        #expect(records.count == 3)
        #expect(records[0] == AuditCSVFormat.columns)
        #expect(records.allSatisfy { $0.count == AuditCSVFormat.columns.count })
        let cell = Dictionary(uniqueKeysWithValues: zip(records[0], records[1]))
        let event = try row.decoded()
        #expect(cell["seq"] == "7" && cell["id"] == event.id && cell["hash"] == row.hashHex)
        #expect(cell["time"] == "2026-01-01T00:00:00.123Z" && cell["received_at"] == "2026-01-01T00:00:01.000Z")
        // A formula-starting text cell is defused with a leading quote; the rest is exact.
        #expect(cell["description"] == "'" + event.description!)
        #expect(cell["resource.name"] == "'-1+1")
        #expect(cell["actor.name"] == "Ann, \"the\" admin|x")
        #expect(cell["outcome"] == "denied" && cell["request.status"] == "403" && cell["risk_score"] == "70")
        #expect(cell["tags"] == #"["a,b","@c"]"#)
        let metadata = try JSONSerialization.jsonObject(with: Data(cell["metadata"]!.utf8)) as? [String: Any]
        #expect(metadata?["k"] as? String == "v\n" && metadata?["n"] as? Int == 3)
        #expect(cell["changes.before"] == "" && cell["location.country"] == "")
    }

    // MARK: CEF

    /// Splits a CEF line into its seven header fields and its extension map, unescaping both.
    static func parseCEF(_ line: String) throws -> (header: [String], extensions: [String: String]) {
        var header: [String] = []
        var field = ""
        var rest = Substring(line)
        while header.count < 7 {
            guard let char = rest.first else { throw CEFError.short }
            rest = rest.dropFirst()
            if char == "\\", let next = rest.first {
                field.append(next)
                rest = rest.dropFirst()
            } else if char == "|" {
                header.append(field)
                field = ""
            } else {
                field.append(char)
            }
        }
        // Extensions: key=value pairs; a value runs to the next unescaped " key=".
        var extensions: [String: String] = [:]
        var pairs: [(String, String)] = []
        var value = ""
        var key = ""
        var chars = Array(rest)
        if chars.last == "\n" { chars.removeLast() }
        var index = 0
        func readKey() -> String? {
            var end = index
            while end < chars.count, chars[end].isLetter || chars[end].isNumber { end += 1 }
            guard end < chars.count, chars[end] == "=", end > index else { return nil }
            defer { index = end + 1 }
            return String(chars[index..<end])
        }
        key = readKey() ?? ""
        while index < chars.count {
            let char = chars[index]
            if char == "\\", index + 1 < chars.count {
                let next = chars[index + 1]
                value.append(next == "n" ? "\n" : next == "r" ? "\r" : next)
                index += 2
                continue
            }
            if char == " " {
                let saved = index
                index += 1
                if let next = readKey() {
                    pairs.append((key, value))
                    (key, value) = (next, "")
                    continue
                }
                index = saved
            }
            value.append(char)
            index += 1
        }
        pairs.append((key, value))
        for (key, value) in pairs { extensions[key] = value }
        return (header, extensions)
    }

    enum CEFError: Error { case short }

    @Test func cefEscapesTheHeaderAndTheExtensions() throws {
        let row = try Self.stored(Self.hostile)
        let line = String(decoding: try AuditRecordEncoder(.cef, host: "db-1").encode(row, index: 0), as: UTF8.self)
        #expect(line.hasPrefix("CEF:0|AuditTrail|AuditTrail|\(AuditTrailProduct.version)|document.updated|"))
        #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n") && !line.contains("\r"))
        let (header, ext) = try Self.parseCEF(line)
        let event = try row.decoded()
        // The name: CR LF became spaces, `|` and `\` came back through their escapes.
        #expect(header[5] == event.description!.replacingOccurrences(of: "\r\n", with: "  "))
        #expect(header[6] == "3")
        #expect(ext["rt"] == "1767225600123" && ext["externalId"] == event.id && ext["act"] == "document.updated")
        #expect(ext["outcome"] == "denied" && ext["suser"] == "Ann, \"the\" admin|x" && ext["suid"] == "u-1")
        #expect(ext["msg"] == event.description && ext["cs2"] == "d=1" && ext["cs2Label"] == "resourceId")
        #expect(ext["c6a2"] == "2001:db8::1" && ext["src"] == nil)
        #expect(ext["cn1"] == "7" && ext["cn1Label"] == "seq" && ext["cs3"] == row.hashHex && ext["cn3"] == "403")
        #expect(ext["request"] == "/docs/1?x=|" && ext["requestMethod"] == "PATCH" && ext["dvchost"] == "db-1")
        let v4 = try Self.stored(AuditEventInput(action: "user.login", actor: .init(id: "u-2", ip: "203.0.113.9")))
        let (_, ext4) = try Self.parseCEF(String(decoding: try AuditRecordEncoder(.cef).encode(v4, index: 0), as: UTF8.self))
        #expect(ext4["src"] == "203.0.113.9" && ext4["suser"] == "u-2")
    }

    // MARK: syslog

    @Test func syslogFollowsRFC5424() throws {
        let row = try Self.stored(Self.hostile)
        let bytes = try AuditRecordEncoder(.syslog, host: "db-1").encode(row, index: 0)
        #expect(bytes.last == 0x0A && bytes.filter { $0 == 0x0A }.count == 1)
        let bom = try #require(bytes.firstRange(of: [0xEF, 0xBB, 0xBF]))
        let head = String(decoding: bytes[..<bom.lowerBound], as: UTF8.self)
        // PRI (facility 13 × 8 + severity info 6), version 1, the
        // header fields, then one SD element.
        let pattern =
            /^<110>1 2026-01-01T00:00:00\.123Z db-1 audittrail - document\.updated \[audittrail@32473((?: [a-z_]{1,32}="(?:[^"\\\]]|\\["\\\]])*")+)\] $/
        let match = try #require(head.wholeMatch(of: pattern), "\(head)")
        var params: [String: String] = [:]
        for param in match.1.matches(of: /\ ([a-z_]+)="((?:[^"\\\]]|\\["\\\]])*)"/) {
            params[String(param.1)] = String(param.2).replacingOccurrences(of: #"\\(["\\\]])"#, with: "$1", options: .regularExpression)
        }
        #expect(params["seq"] == "7" && params["hash"] == row.hashHex && params["outcome"] == "denied" && params["ip"] == "2001:db8::1")
        #expect(params["resource_id"] == "d=1")
        // MSG: the event as readers get it.
        #expect(Array(bytes[bom.upperBound..<(bytes.count - 1)]) == row.responseJSON)
        let message = AuditSyslogFormat.message(try row.decoded(), json: row.responseJSON, host: "db-1")
        #expect(AuditSyslogFormat.octetCounted(message) == Array("\(message.count) ".utf8) + message)
    }

    @Test func syslogHeaderFieldsStayPrintable() throws {
        let row = try Self.stored(AuditEventInput(action: "custom.very_long_action_name_beyond_thirty_two_chars"))
        let line = String(decoding: try AuditRecordEncoder(.syslog, host: "höst name").encode(row, index: 0), as: UTF8.self)
        let fields = line.split(separator: " ", maxSplits: 6)
        #expect(fields[2] == "h__st_name" && fields[5].count == 32)
        #expect(fields[0] == "<110>1")
    }

    // MARK: json

    @Test func jsonIsOneArrayOfTheStoredEvents() throws {
        let rows = try (1...3).map { try Self.stored(AuditEventInput(action: "data.read", actor: .init(id: "u-\($0)")), seq: Int64($0)) }
        let encoder = AuditRecordEncoder(.json)
        var bytes = encoder.prefix
        for (index, row) in rows.enumerated() { bytes += try encoder.encode(row, index: Int64(index)) }
        bytes += encoder.suffix
        let array = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(array.map { $0["seq"] as? Int } == [1, 2, 3] && array[0]["hash"] as? String == rows[0].hashHex)
        let empty = encoder.prefix + encoder.suffix
        #expect((try JSONSerialization.jsonObject(with: Data(empty)) as? [Any])?.isEmpty == true)
    }
}
