import AuditTrail
import AuditTrailHummingbird
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditTrailServer

/// `GET /v1/export?format=…` in the SIEM formats: the media type and file name, every filter
/// honoured, the events up to the signed checkpoint in seq order, and the record of the export.
@Suite struct ExportFormatRouteTests {
    func seed(_ api: TestAPI) async throws {
        for index in 0..<9 {
            let action = index % 3 == 0 ? "user.login" : "data.update"
            try await api.ingest(#"{"action":"\#(action)","actor":{"id":"u-\#(index)","ip":"203.0.113.\#(index)"},"metadata":{"i":\#(index)}}"#)
        }
    }

    @Test(arguments: [
        ("json", "application/json", "json"), ("csv", "text/csv; charset=utf-8; header=present", "csv"),
        ("cef", "text/plain; charset=utf-8", "cef"), ("ocsf", "application/x-ndjson", "ocsf.jsonl"),
        ("syslog", "text/plain; charset=utf-8", "log"),
    ])
    func eachFormatHoldsTheMatchingEventsInSeqOrder(format: String, mediaType: String, fileExtension: String) async throws {
        try await withServer { server, api in
            try await seed(api)
            let reply = try await api.send(.get, "/v1/export?format=\(format)&action=user.*")
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.headers[.contentType] == mediaType)
            #expect(reply.headers[.contentDisposition]?.hasSuffix(".\(fileExtension)\"") == true)
            // The seqs of the user.login events, as each format writes them.
            let seqs: [Int64]
            switch format {
            case "json":
                seqs = (try JSONParser.parse(reply.text).arrayValue ?? []).compactMap { $0["seq"]?.int64Value }
            case "csv":
                let lines = reply.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
                #expect(lines.first?.hasPrefix("seq,id,time,") == true)
                seqs = lines.dropFirst().compactMap { Int64($0.prefix { $0 != "," }) }
            case "cef":
                seqs = reply.text.split(separator: "\n").compactMap { line in
                    line.firstRange(of: "cn1=").flatMap { Int64(line[$0.upperBound...].prefix { $0.isNumber }) }
                }
            case "ocsf":
                seqs = reply.text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0))["metadata"]?["sequence"]?.int64Value }
            default:
                seqs = reply.text.split(separator: "\n").compactMap { line in
                    line.firstRange(of: #"seq=""#).flatMap { Int64(line[$0.upperBound...].prefix { $0.isNumber }) }
                }
            }
            #expect(seqs == [1, 4, 7], "\(format): \(reply.text.prefix(400))")
            // Recorded with its format.
            #expect(try await api.ingest(#"{"action":"doc.view"}"#).status == .created)
            let recorded = try await api.send(.get, "/v1/events?action=audit.export&limit=1")
            #expect(recorded.json["events"]?.arrayValue?.first?["metadata"]?["format"]?.stringValue == format, "\(recorded.text)")
            _ = server
        }
    }

    @Test func aContiguousSIEMExportHoldsEveryEventUpToTheCheckpoint() async throws {
        try await withServer { server, api in
            try await seed(api)
            let reply = try await api.send(.get, "/v1/export?format=ocsf")
            #expect(reply.status == .ok, "\(reply.text)")
            let objects = reply.text.split(separator: "\n").map { try? JSONParser.parse(String($0)) }
            let seqs = objects.compactMap { $0?["metadata"]?["sequence"]?.int64Value }
            let size = try #require(try await server.store.latestCheckpoint()).treeSize
            #expect(seqs == Array(1...size), "\(seqs)")
            #expect(objects.allSatisfy { $0?["unmapped"]?["hash"]?.stringValue?.count == 64 })
        }
    }
}
