import AuditTrail
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signed checkpoints: round trip, and each way a note can be wrong names what is wrong.
@Suite struct CheckpointTests {
    static let origin = "audittrail.example.com/log"

    static func checkpoint(size: Int64 = 5) async throws -> AuditCheckpoint {
        var tree = AuditMerkleMemoryTree()
        for index in 0..<size { tree.append(leaf: Array("event \(index)".utf8)) }
        return try AuditCheckpoint(
            origin: origin,
            size: size,
            rootHash: tree.root,
            time: AuditTime(milliseconds: 1_795_000_000_123),
            extensions: ["retention-anchor 0"]
        )
    }

    static func error(_ note: String, _ key: AuditSignerPublicKey) -> AuditTrailError? {
        caughtError { () throws(AuditTrailError) in try AuditCheckpoint(note: note, verifier: key) }
    }

    @Test func signedCheckpointRoundTrips() async throws {
        let signer = try AuditSigner.generate(name: Self.origin)
        let checkpoint = try await Self.checkpoint()
        let note = try checkpoint.signedNote(signer: signer)
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == Substring(Self.origin))
        #expect(lines[1] == "5")
        #expect(lines[2] == Substring(checkpoint.rootHashBase64))
        #expect(lines[3] == "time 2026-11-18T11:06:40.123Z")
        #expect(lines[5] == "")
        #expect(lines[6].hasPrefix("\u{2014} \(Self.origin) "))
        let parsed = try AuditCheckpoint(note: note, verifier: signer.publicKey)
        #expect(parsed.origin == checkpoint.origin && parsed.size == 5 && parsed.rootHash == checkpoint.rootHash)
        #expect(parsed.time == checkpoint.time && parsed.extensions == ["retention-anchor 0"])
        #expect(parsed.keyID == signer.keyID)
        #expect(parsed.signature?.count == 68)
    }

    @Test func emptyTreeCheckpointRoundTrips() throws {
        let signer = try AuditSigner.generate(name: "log")
        let checkpoint = try AuditCheckpoint(origin: "log", size: 0, rootHash: AuditMerkle.emptyRoot)
        let parsed = try AuditCheckpoint(note: checkpoint.signedNote(signer: signer), verifier: signer.publicKey)
        #expect(parsed.size == 0 && parsed.rootHash == AuditMerkle.emptyRoot && parsed.time == nil)
    }

    @Test func anotherKeyIsReportedAsWrongKey() async throws {
        let signer = try AuditSigner.generate(name: Self.origin)
        let other = try AuditSigner.generate(name: Self.origin)
        let note = try await Self.checkpoint().signedNote(signer: signer)
        let error = Self.error(note, other.publicKey)
        #expect(error?.code == .tampered)
        #expect(error?.fieldErrors.map(\.field) == ["key"])
    }

    @Test func cosignaturesByOtherKeysAreIgnored() async throws {
        let signer = try AuditSigner.generate(name: Self.origin)
        let witness = try AuditSigner.generate(name: "witness.example")
        let note = try AuditSignedNote(text: await Self.checkpoint().body).signed(by: signer).signed(by: witness).formatted
        #expect(try AuditCheckpoint(note: note, verifier: signer.publicKey).size == 5)
        #expect(try AuditCheckpoint(note: note, verifier: witness.publicKey).keyID == witness.keyID)
    }

    @Test(arguments: ["size", "root", "time", "origin", "extension"])
    func tamperedBodyIsReportedAsBadSignature(part: String) async throws {
        let signer = try AuditSigner.generate(name: Self.origin)
        let checkpoint = try await Self.checkpoint()
        let note = try checkpoint.signedNote(signer: signer)
        var forged = checkpoint
        switch part {
        case "size": forged.size = 4
        case "root":
            var bytes = forged.rootHash.bytes
            bytes[7] ^= 1
            forged.rootHash = AuditHash(bytes: bytes)!
        case "time": forged.time = AuditTime(milliseconds: 0)
        case "origin": forged.origin = "evil.example/log"
        default: forged.extensions = ["retention-anchor 1"]
        }
        let signatureLines = note[note.range(ofLastBlankLine: ())...]
        let error = Self.error(forged.body + signatureLines, signer.publicKey)
        #expect(error?.code == .tampered)
        #expect(error?.fieldErrors.map(\.field) == ["signature"])
    }

    @Test func tamperedSignatureIsReportedAsBadSignature() async throws {
        let signer = try AuditSigner.generate(name: Self.origin)
        let note = try await Self.checkpoint().signedNote(signer: signer)
        var parsed = try AuditSignedNote(parsing: note)
        parsed.signatures[0].signature[10] ^= 0x40
        let error = Self.error(parsed.formatted, signer.publicKey)
        #expect(error?.code == .tampered)
        #expect(error?.fieldErrors.map(\.field) == ["signature"])
    }

    @Test func malformedNotesNameTheBadPart() async throws {
        let signer = try AuditSigner.generate(name: "log")
        let root = AuditMerkle.emptyRoot
        func signed(_ body: String) throws -> String {
            // Sign arbitrary text so that only the checkpoint syntax is wrong.
            try AuditSignedNote(text: body).signed(by: signer).formatted
        }
        let rootText = try AuditCheckpoint(origin: "log", size: 0, rootHash: root).rootHashBase64
        let cases: [(String, String)] = [
            ("log\n7\n", "note"),
            ("log\n012\n\(rootText)\n", "tree_size"),
            ("log\n-1\n\(rootText)\n", "tree_size"),
            ("log\n+1\n\(rootText)\n", "tree_size"),
            ("log\n99999999999999999999\n\(rootText)\n", "tree_size"),
            ("log\n1\n\(String(rootText.dropLast(4)))\n", "root_hash"),
            ("log\n1\n\(rootText) \n", "root_hash"),
            ("log\n1\nAAAA\n", "root_hash"),
            ("log\n1\n\(rootText)\ntime yesterday\n", "time"),
            ("log\n1\n\(rootText)\n\nextra\n", "note"),
            ("\n1\n\(rootText)\n", "origin"),
        ]
        for (body, field) in cases {
            let error = Self.error(try signed(body), signer.publicKey)
            #expect(error?.code == .invalidInput, "\(body.debugDescription)")
            #expect(error?.fieldErrors.first?.field == field, "\(body.debugDescription): \(String(describing: error))")
        }
        let valid = try AuditCheckpoint(origin: "log", size: 1, rootHash: root).signedNote(signer: signer)
        for broken in [String(valid.dropLast()), valid.replacingEmDash(), "log\n1\n\(rootText)\n"] {
            #expect(Self.error(broken, signer.publicKey)?.fieldErrors.map(\.field) == ["note"])
        }
    }

    @Test func invalidCheckpointFieldsAreRefusedBeforeSigning() {
        #expect(throws: AuditTrailError.self) { try AuditCheckpoint(origin: "", size: 1, rootHash: AuditMerkle.emptyRoot) }
        #expect(throws: AuditTrailError.self) { try AuditCheckpoint(origin: "a\nb", size: 1, rootHash: AuditMerkle.emptyRoot) }
        #expect(throws: AuditTrailError.self) { try AuditCheckpoint(origin: "log", size: -1, rootHash: AuditMerkle.emptyRoot) }
        #expect(AuditHash(bytes: [1]) == nil, "a root that is not 32 bytes cannot be made")
        #expect(throws: AuditTrailError.self) { try AuditCheckpoint(origin: "log", size: 1, rootHash: AuditMerkle.emptyRoot, extensions: [""]) }
        #expect(throws: AuditTrailError.self) { try AuditSigner.generate(name: "has space") }
        #expect(throws: AuditTrailError.self) { try AuditSigner.generate(name: "a+b") }
    }

    @Test func keyFileIsWrittenWithMode0600AndLoadsBack() throws {
        let directory = try Self.temporaryDirectory()
        let path = directory + "/checkpoint.key"
        let created = try AuditSigner.loadOrCreate(at: path, name: "audittrail.test")
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let loaded = try AuditSigner.loadOrCreate(at: path, name: "ignored")
        #expect(loaded.publicKey == created.publicKey)
        #expect(loaded.privateKeyText == created.privateKeyText)
        #expect(caughtError { () throws(AuditTrailError) in try created.save(to: path) }?.code == .conflict)
        #expect(chmod(path, 0o644) == 0)
        #expect(caughtError { () throws(AuditTrailError) in try AuditSigner.load(from: path) }?.code == .conflict)
        #expect(caughtError { () throws(AuditTrailError) in try AuditSigner.load(from: directory + "/missing.key") }?.code == .notFound)
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/audittrail-checkpoint-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        try #require(made)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    /// The index where the blank line before the signatures begins (the note's last "\n\n").
    fileprivate func range(ofLastBlankLine: Void) -> String.Index {
        var index = utf8.index(before: utf8.endIndex)
        while index > utf8.startIndex {
            let previous = utf8.index(before: index)
            if utf8[previous] == 0x0A && utf8[index] == 0x0A { return index }
            index = previous
        }
        return startIndex
    }

    /// The note with its em dash turned into an ASCII hyphen.
    fileprivate func replacingEmDash() -> String {
        String(unicodeScalars.map { $0 == "\u{2014}" ? "-" : Character($0) })
    }
}
