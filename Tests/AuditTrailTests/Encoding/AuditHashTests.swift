import AuditTrail
import Crypto
import Testing

@Suite("AuditHash")
struct AuditHashTests {
    /// SHA-256("abc"), FIPS 180-2's first example.
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    static let abcBase64 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="

    @Test("hex, base64, bytes and description agree with SHA-256(\"abc\")")
    func textFormsRoundTrip() throws {
        let bytes = Array(SHA256.hash(data: Array("abc".utf8)))
        let hash = try #require(AuditHash(bytes: bytes))
        #expect(hash.hex == Self.abc)
        #expect(hash.description == Self.abc)
        #expect("\(hash)" == Self.abc)
        #expect(hash.base64 == Self.abcBase64)
        #expect(hash.bytes == bytes)
        #expect(AuditHash(hex: Self.abc) == hash)
        #expect(AuditHash(hex: Self.abc[...]) == hash)
        #expect(AuditHash(base64: Self.abcBase64) == hash)
        #expect(hash.withUnsafeBytes { Array($0) } == bytes)
    }

    @Test("zero is 32 zero bytes and the chain's genesis")
    func zeroIsGenesis() {
        #expect(AuditHash.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(AuditHash.zero.hex == String(repeating: "0", count: 64))
        #expect(AuditChain.genesis == .zero)
        #expect(AuditHash(bytes: [UInt8](repeating: 0, count: 32)) == .zero)
    }

    @Test("only exactly 32 bytes make a hash", arguments: [0, 1, 31, 33, 64])
    func wrongByteCountsAreRefused(count: Int) {
        #expect(AuditHash(bytes: [UInt8](repeating: 7, count: count)) == nil)
        #expect(AuditHash(bytes: repeatElement(UInt8(7), count: count)) == nil)
    }

    @Test("non-contiguous collections of 32 bytes are read in order")
    func nonContiguousBytes() throws {
        let bytes = (0..<32).map { UInt8($0) }
        let hash = try #require(AuditHash(bytes: bytes.lazy.map { $0 }))
        #expect(hash.bytes == bytes)
        #expect(hash.hex == "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    }

    @Test(
        "hex must be 64 lower-case hex digits",
        arguments: [
            "", "00", String(abc.dropLast()), abc + "0", abc + "00", abc.uppercased(),
            "B" + String(abc.dropFirst()), "g" + String(abc.dropFirst()), " " + String(abc.dropFirst()), String(abc.dropLast()) + "\u{e9}",
        ]
    )
    func malformedHexIsRefused(text: String) {
        #expect(AuditHash(hex: text) == nil)
    }

    @Test(
        "base64 must be the canonical encoding of 32 bytes",
        arguments: [
            "", "AAAA", String(abcBase64.dropLast()), abcBase64 + "AAAA", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa1=",
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=", " " + abcBase64,
        ]
    )
    func malformedBase64IsRefused(text: String) {
        #expect(AuditHash(base64: text) == nil)
    }

    @Test("equal bytes are equal hashes with equal hash values; any differing byte differs")
    func equalityFollowsTheBytes() throws {
        let base = (0..<32).map { UInt8($0 * 7 & 0xFF) }
        let hash = try #require(AuditHash(bytes: base))
        #expect(hash == AuditHash(bytes: base))
        #expect(Set([hash, try #require(AuditHash(bytes: base))]).count == 1)
        for index in 0..<32 {
            var changed = base
            changed[index] ^= 0x01
            #expect(AuditHash(bytes: changed) != hash, "byte \(index)")
        }
    }

    @Test("AuditHex reads either case, and shares the one digit table")
    func hexDecoderReadsEitherCase() {
        let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xAB, 0xFF]
        #expect(AuditHex.bytes(hex: "00017f80abff") == bytes)
        #expect(AuditHex.bytes(hex: "00017F80ABFF") == bytes)
        for bad in ["0", "0g", "zz", "abc", " 00", "0G", "\u{e9}"] { #expect(AuditHex.bytes(hex: bad) == nil, "\(bad)") }
    }
}
