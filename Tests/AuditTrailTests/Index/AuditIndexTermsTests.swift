import AuditTrailTesting
import Testing

@testable import AuditTrail

/// What the index derives from an event: words and address keys.
@Suite("AuditIndexTerms and AuditTokenizer")
struct AuditIndexTermsTests {
    @Test(arguments: [
        ("User u-17 performed", ["user", "u", "17", "performed"]),
        ("Café ZÜRICH Ærø straße", ["cafe", "zurich", "aero", "strasse"]),
        ("Cafe\u{301} naïve", ["cafe", "naive"]),  // a combining accent is part of the word, then dropped
        ("invoice#2026-11/INV_0042", ["invoice", "2026", "11", "inv", "0042"]),
        ("Привет мир 東京タワー", ["привет", "мир", "東京タワー"]),
        ("", []),
        ("--- !!! ...", []),
        (String(repeating: "a", count: 65) + " ok " + String(repeating: "b", count: 64), ["ok", String(repeating: "b", count: 64)]),
    ])
    func wordsAreFoldedRunsOfLettersAndDigits(text: String, words: [String]) {
        #expect(AuditTokenizer.words(text) == words)
    }

    @Test func everyKeyOfAFullEventIsDerived() throws {
        let prepared = try AuditEventValidator().prepare(AuditFixtures.fullyPopulated(), receivedAt: AuditFixtures.baseTime)
        let event = try AuditEvent(canonical: prepared.parts.assemble(seq: 1, receivedAt: AuditFixtures.baseTime))
        let keys = AuditIndexTerms.keys(of: event)
        #expect(keys == keys.sorted() && Set(keys).count == keys.count)
        func values(_ kind: AuditIndexKey.Kind) -> [String] { keys.filter { $0.kind == kind }.map(\.value) }
        #expect(values(.action) == ["authz.role.changed"] && values(.outcome) == ["success"] && values(.severity) == ["warning"])
        #expect(values(.actor) == ["u-123"] && values(.actorName) == ["alice"] && values(.actorType) == ["user"])
        #expect(values(.resourceType) == ["user"] && values(.resourceID) == ["u-456"] && values(.correlationID) == ["corr-1"])
        #expect(values(.country) == ["DE"] && values(.risk) == ["40"] && values(.tag) == ["billing", "prod"])
        #expect(values(.compliance) == ["GDPR", "SOC2"])
        // 2001:db8::7 at every multiple of 8 bits.
        #expect(values(.ip).count == 16 && values(.ip).contains("32:20010db8") && values(.ip).contains("128:20010db8000000000000000000000007"))
        // Description, comment and metadata values (not keys); the redacted password is "[REDACTED]".
        let words = Set(values(.word))
        for word in ["alice", "promoted", "bob", "admin", "approved", "hr", "ticket", "42", "pro", "redacted", "1", "2"] {
            #expect(words.contains(word), "\(word)")
        }
        #expect(!words.contains("plan") && !words.contains("password") && !words.contains("hunter2"))
    }

    /// The union of a block's keys holds exactly the addresses in the block, for random blocks
    /// and addresses of both families (and addresses just outside each block).
    @Test func addressBlocksAreExactUnionsOfPrefixKeys() throws {
        var random = SplitMix64(seed: 5)
        func address(v4: Bool) -> AuditIPAddress {
            AuditIPAddress(bytes: (0..<(v4 ? 4 : 16)).map { _ in UInt8(random.below(256)) })
        }
        for _ in 0..<400 {
            let v4 = random.below(2) == 0
            let base = address(v4: v4)
            let length = random.below(v4 ? 33 : 129)
            let block = try #require(AuditCIDR("\(base)/\(length)"))
            let keys = Set(AuditIndexTerms.ipKeys(for: block))
            #expect(keys.count <= 257)
            var probes = [base, address(v4: v4), address(v4: !v4)]
            // Flip the bit just past the prefix: inside the block when length < max, else outside.
            var flipped = base.bytes
            let bit = min(length, flipped.count * 8 - 1)
            flipped[bit / 8] ^= 0x80 >> UInt8(bit % 8)
            probes.append(AuditIPAddress(bytes: flipped))
            for probe in probes {
                let indexed = Set(AuditIndexTerms.ipKeys(probe))
                #expect(!indexed.isDisjoint(with: keys) == block.contains(probe), "\(probe) in \(block)")
            }
        }
        // Every IPv4 address, and IPv4-mapped IPv6 addresses, are in ::/0 and in ::ffff:0:0/96.
        for text in ["10.1.2.3", "::ffff:10.1.2.3", "2001:db8::1"] {
            let probe = try #require(AuditIPAddress(text))
            for block in ["::/0", "::ffff:0:0/96", "0.0.0.0/0"] {
                let cidr = try #require(AuditCIDR(block))
                let hit = !Set(AuditIndexTerms.ipKeys(probe)).isDisjoint(with: AuditIndexTerms.ipKeys(for: cidr))
                #expect(hit == cidr.contains(probe), "\(text) in \(block)")
            }
        }
    }

    /// `group_by=ip` reads whole addresses back from the 128-bit keys, and only from them.
    @Test func wholeAddressKeysReadBackAsTheAddress() throws {
        for (text, expected) in [("10.1.2.3", "10.1.2.3"), ("::ffff:10.1.2.3", "10.1.2.3"), ("2001:db8::7", "2001:db8::7"), ("::1", "::1")] {
            let keys = AuditIndexTerms.ipKeys(try #require(AuditIPAddress(text)))
            #expect(keys.compactMap(AuditIndexTerms.address(ofIPKey:)) == [expected], "\(text)")
        }
        for bad in ["", "128:", "128:zz000000000000000000000000000000", "96:00000000000000000000ffff", "128:0000000000000000000000000000000"] {
            #expect(AuditIndexTerms.address(ofIPKey: bad) == nil, "\(bad)")
        }
    }
}
