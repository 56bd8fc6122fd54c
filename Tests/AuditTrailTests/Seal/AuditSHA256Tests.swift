import Crypto
import Testing

@testable import AuditTrail

/// The log's SHA-256 (x86 SHA extensions where the CPU has them, else swift-crypto) against
/// swift-crypto and the FIPS 180-4 / NIST CAVP examples.
@Suite struct AuditSHA256Tests {
    /// Both code paths where this CPU has the extensions, else the fallback only.
    static let paths: [Bool] = AuditSHA256.hardware ? [true, false] : [false]

    func hex(_ a: [UInt8], _ b: [UInt8] = [], _ c: [UInt8] = [], hardware: Bool) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                c.withUnsafeBytes { c in
                    out.withUnsafeMutableBytes { AuditSHA256.hash(a, b, c, into: $0.baseAddress!, useHardware: hardware) }
                }
            }
        }
        return AuditHex.string(out)
    }

    @Test(arguments: paths)
    func matchesTheFIPSExamples(hardware: Bool) {
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA256ShortMsg" and the one-million-'a' message).
        #expect(hex([], hardware: hardware) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(Array("abc".utf8), hardware: hardware) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hex(twoBlocks, hardware: hardware) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            hex(Array(twoBlocks[..<10]), Array(twoBlocks[10..<40]), Array(twoBlocks[40...]), hardware: hardware)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
        #expect(
            hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000), hardware: hardware)
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        )
    }

    @Test(arguments: paths)
    func matchesSwiftCryptoForEveryLengthAndSplit(hardware: Bool) {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<1100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let first = Int.random(in: 0...length, using: &generator)
            let second = Int.random(in: first...length, using: &generator)
            let expected = AuditHex.string(Array(SHA256.hash(data: bytes)))
            let got = hex(Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...]), hardware: hardware)
            #expect(got == expected, "length \(length) split at \(first), \(second)")
            if got != expected { return }
        }
    }

    @Test func theOutputMayBeAnInput() {
        var buffer = (0..<32).map { UInt8($0) }
        let expected = AuditHex.string(Array(SHA256.hash(data: [0x01] + buffer + buffer)))
        buffer.withUnsafeMutableBytes { AuditMerkle.nodeHash($0.baseAddress!, $0.baseAddress!, into: $0.baseAddress!) }
        #expect(AuditHex.string(buffer) == expected)
    }
}
