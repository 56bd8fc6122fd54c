import AuditTrail
import Foundation
import Testing

/// The files destination: each batch one private file named by its range (sorting in seq
/// order), nothing half-written left behind, the oldest pruned beyond `keep`; and the rules of a
/// directory name and of a webhook's signature.
@Suite struct AuditStreamFilesTests {
    static func batch(after: Int64, through: Int64) -> AuditStreamBatch {
        var header = AuditExportHeader(
            origin: "o",
            treeSize: through,
            rootHash: .zero,
            checkpoint: "note",
            keyID: "00000000",
            filters: [:],
            chainStart: nil,
            frontier: []
        )
        header.range = .init(after: after, through: through, consistency: [])
        return AuditStreamBatch(
            streamID: "str_1",
            header: header,
            encoding: .jsonl,
            bytes: Array("batch \(after)-\(through)\n".utf8),
            count: through - after
        )
    }

    @Test func eachBatchIsOneWholePrivateFileAndTheOldestArePruned() async throws {
        let root = NSTemporaryDirectory() + "audittrail-stream-files-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/siem/a"
        let files = AuditStreamFiles(directory: directory, keep: 3)
        for index in Int64(0)..<5 { try await files.deliver(Self.batch(after: index * 10, through: index * 10 + 10)) }
        // Delivered again after a crash: the same name, replaced.
        try await files.deliver(Self.batch(after: 40, through: 50))
        let names = try AuditStreamFiles.batchFiles(in: directory)
        #expect(
            names
                == [
                    "00000000000000000021-00000000000000000030", "00000000000000000031-00000000000000000040",
                    "00000000000000000041-00000000000000000050",
                ].map { "audittrail-\($0).jsonl" }
        )
        let all = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(all.count == 3, "no partial file left: \(all)")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + names[2])
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? NSNumber
        #expect(directoryMode?.intValue == 0o700)
        #expect(try String(contentsOfFile: directory + "/" + names[2], encoding: .utf8) == "batch 40-50\n")
    }

    @Test(arguments: [
        ("siem", true), ("siem/a-1/b_2.c", true), ("../x", false), ("/tmp/x", false), ("a/../b", false), ("a//b", false), (".", false),
        ("a/.", false), ("é", false), ("a b", false), ("", false),
    ])
    func directoryNames(name: String, valid: Bool) {
        #expect(AuditStreamFiles.isValidDirectoryName(name) == valid)
    }

    @Test func aSignatureChecksTheSecretTheBodyAndTheTime() {
        let body = Array("{\"a\":1}".utf8)
        let header = AuditStreamSignature.header(secret: "secret-0123456789", timestamp: 1_000_000, body: body)
        #expect(header.hasPrefix("t=1000000,v1=") && header.count == 13 + 64)
        #expect(AuditStreamSignature.isValid(header, secret: "secret-0123456789", body: body, now: 1_000_100))
        #expect(!AuditStreamSignature.isValid(header, secret: "secret-0123456789", body: body, now: 1_000_301), "too old")
        #expect(!AuditStreamSignature.isValid(header, secret: "secret-012345678X", body: body, now: 1_000_000))
        #expect(!AuditStreamSignature.isValid(header, secret: "secret-0123456789", body: Array("{\"a\":2}".utf8), now: 1_000_000))
        #expect(!AuditStreamSignature.isValid("t=1000000", secret: "secret-0123456789", body: body, now: 1_000_000))
        #expect(AuditStreamSignature.generateSecret() != AuditStreamSignature.generateSecret())
    }
}
