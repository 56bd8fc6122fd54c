import AuditTrail
import Testing

/// Signed notes and keys against the published vectors of Go's `golang.org/x/mod/sumdb/note`
/// (`note_test.go`: the PeterNeumann and EnochRoot keys and signatures) and `sumdb/tlog`
/// (`note_test.go`: `TestFormatTree`).
@Suite struct CheckpointNoteTests {
    static let peterSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let peterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let enochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

    @Test func publishedSignerKeyYieldsThePublishedVerifierKey() throws {
        let signer = try AuditSigner(privateKeyText: Self.peterSigner)
        #expect(signer.name == "PeterNeumann")
        #expect(signer.keyID == 0xc74f_20a3)
        #expect(signer.publicKey.text == Self.peterKey)
        #expect(signer.privateKeyText == Self.peterSigner)
        #expect(try AuditSignerPublicKey(text: Self.peterKey) == signer.publicKey)
        #expect(try AuditSignerPublicKey(text: Self.enochKey).keyID == 0xaf0c_fe78)
        #expect(!signer.description.contains("AYEKFALV"))
    }

    @Test func signingThePublishedTextVerifiesAndMatchesTheDeterministicSignature() throws {
        let signer = try AuditSigner(privateKeyText: Self.peterSigner)
        let note = try AuditSignedNote(text: Self.text).signed(by: signer)
        #if os(Linux)
        // BoringSSL's Ed25519 is deterministic (RFC 8032), so the bytes are Go's exactly.
        #expect(note.formatted == Self.text + "\n" + Self.peterSig)
        #endif
        let verified = try note.verifiedSignatures(by: [signer.publicKey])
        #expect(verified.map(\.keyID) == [0xc74f_20a3])
    }

    @Test func publishedNoteVerifiesByKnownKeysAndIgnoresUnknownOnes() throws {
        let peter = try AuditSignerPublicKey(text: Self.peterKey)
        let enoch = try AuditSignerPublicKey(text: Self.enochKey)
        let note = try AuditSignedNote(parsing: Self.text + "\n" + Self.peterSig + Self.enochSig)
        #expect(note.text == Self.text)
        #expect(note.signatures.map(\.name) == ["PeterNeumann", "EnochRoot"])
        #expect(try note.verifiedSignatures(by: [peter]).map(\.name) == ["PeterNeumann"])
        #expect(try note.verifiedSignatures(by: [peter, enoch]).map(\.name) == ["PeterNeumann", "EnochRoot"])
        let none = caughtError { () throws(AuditTrailError) in try note.verifiedSignatures(by: []) }
        #expect(none?.code == .tampered)
        #expect(none?.fieldErrors.map(\.field) == ["key"])
    }

    @Test func publishedInvalidSignatureIsReportedAsSuch() throws {
        let peter = try AuditSignerPublicKey(text: Self.peterKey)
        let sig = Array(Self.peterSig)
        let broken = String(sig[..<60]) + "ABCD" + String(sig[60...])
        let note = try AuditSignedNote(parsing: Self.text + "\n" + broken)
        let error = caughtError { () throws(AuditTrailError) in try note.verifiedSignatures(by: [peter]) }
        #expect(error?.code == .tampered)
        #expect(error?.fieldErrors.map(\.field) == ["signature"])
        #expect(error?.message == "invalid signature for key PeterNeumann+c74f20a3")
    }

    @Test func publishedMalformedNotesAreRejected() {
        let sig = Self.peterSig
        // TestOpen's badMsgs (the two with invalid bytes cannot be Swift strings; a C0 byte stands in).
        let bad = [
            Self.text,
            Self.text + "\n",
            Self.text + "\n" + String(sig.dropLast()),
            "\u{01}" + Self.text + "\n" + sig,
            Self.text + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
            Self.text + "\n" + sig + "Unexpected line.\n",
            Self.text + "\n" + String(repeating: sig, count: 101),
            Self.text + "\n" + "- " + String(sig.dropFirst(2)),
            Self.text + "\n" + "— PeterNeumann AAAA\n",
            Self.text + "\n" + sig + "\n",
        ]
        for note in bad {
            let error = caughtError { () throws(AuditTrailError) in try AuditSignedNote(parsing: note) }
            #expect(error?.fieldErrors.map(\.field) == ["note"], "\(note.debugDescription)")
        }
    }

    @Test func publishedVerifierKeyManglingsAreRejected() {
        let key = Array(Self.peterKey.utf8)
        for cut in [1, 12, 13, 21, key.count - 1] {
            #expect(throws: AuditTrailError.self) { try AuditSignerPublicKey(text: String(decoding: key[..<cut], as: UTF8.self)) }
            #expect(throws: AuditTrailError.self) { try AuditSignerPublicKey(text: String(decoding: key[cut...], as: UTF8.self)) }
        }
        for position in key.indices {
            var changed = key
            changed[position] &+= 1
            #expect(throws: AuditTrailError.self, "byte \(position)") { try AuditSignerPublicKey(text: String(decoding: changed, as: UTF8.self)) }
        }
        // TestNewVerifier: wrong-length key and unknown algorithm, each with an adjusted key hash.
        #expect(throws: AuditTrailError.self) {
            try AuditSignerPublicKey(text: "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
        }
        #expect(throws: AuditTrailError.self) { try AuditSignerPublicKey(text: "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
    }

    @Test func publishedSignerKeyManglingsAreRejected() {
        let key = Array(Self.peterSigner.utf8)
        for position in key.indices {
            var changed = key
            changed[position] &+= 1
            #expect(throws: AuditTrailError.self, "byte \(position)") { try AuditSigner(privateKeyText: String(decoding: changed, as: UTF8.self)) }
        }
        #expect(throws: AuditTrailError.self) { try AuditSigner(privateKeyText: String(Self.peterSigner.dropLast(4))) }
    }

    @Test func checkpointBodyMatchesTheGoTreeNoteFormat() throws {
        // sumdb/tlog TestFormatTree: RecordHash("hello world") is the RFC 6962 leaf hash.
        let checkpoint = try AuditCheckpoint(
            origin: "go.sum database tree",
            size: 123_456_789_012,
            rootHash: AuditMerkle.leafHash(Array("hello world".utf8))
        )
        #expect(checkpoint.body == "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n")
        #expect(try AuditCheckpoint(body: checkpoint.body) == checkpoint)
        // TestParseTree's bad trees.
        for bad in [
            "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
            "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
        ] {
            #expect(throws: AuditTrailError.self) { try AuditCheckpoint(body: bad) }
        }
    }
}
