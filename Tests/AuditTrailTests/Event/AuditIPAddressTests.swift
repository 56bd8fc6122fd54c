import AuditTrail
import Testing

@Suite("AuditIPAddress and AuditCIDR")
struct AuditIPAddressTests {
    @Test(
        "parses IPv4 addresses",
        arguments: [
            ("0.0.0.0", [0, 0, 0, 0]), ("203.0.113.9", [203, 0, 113, 9]), ("255.255.255.255", [255, 255, 255, 255]),
            ("10.0.0.1", [10, 0, 0, 1]),
        ] as [(String, [UInt8])]
    )
    func parsesIPv4(text: String, bytes: [UInt8]) throws {
        let ip = try #require(AuditIPAddress(text))
        #expect(ip.isIPv4)
        #expect(ip.bytes == bytes)
        #expect(ip.description == text)
        #expect(ip.mapped == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + bytes)
    }

    @Test(
        "parses IPv6 forms and prints them per RFC 5952",
        arguments: [
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
            ("fe80::1%eth0", "fe80::1"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::FFFF:203.0.113.9", "::ffff:203.0.113.9"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
            ("::1.2.3.4", "::102:304"),
        ]
    )
    func parsesIPv6(text: String, expected: String) throws {
        let ip = try #require(AuditIPAddress(text))
        #expect(!ip.isIPv4)
        #expect(ip.bytes.count == 16)
        #expect(ip.description == expected)
        #expect(AuditIPAddress(ip.description) == ip)
    }

    @Test("keeps the bytes of embedded IPv4")
    func embeddedIPv4Bytes() throws {
        let ip = try #require(AuditIPAddress("::ffff:203.0.113.9"))
        #expect(ip.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 203, 0, 113, 9])
        #expect(ip.mapped == AuditIPAddress("203.0.113.9")?.mapped)
    }

    @Test(
        "rejects invalid forms",
        arguments: [
            "", " ", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "01.2.3.4", "1.2.3.04", "1..2.3", "1.2.3.4 ",
            " 1.2.3.4", "a.b.c.d", "1.2.3.4/24", "١.٢.٣.٤", "+1.2.3.4", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "12345::", "g::1", ":1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:", "::ffff:1.2.3", "::ffff:1.2.3.256", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4",
            "+1::", "1:+2::", "-0::", "0x1::", "localhost",
        ]
    )
    func rejectsInvalidForms(text: String) {
        #expect(AuditIPAddress(text) == nil)
    }

    @Test(
        "anonymises IPv4 to /24 and IPv6 to /48",
        arguments: [
            ("203.0.113.9", "203.0.113.0"),
            ("10.255.255.255", "10.255.255.0"),
            ("2001:db8:abcd:1234:5678::1", "2001:db8:abcd::"),
            ("2001:db8:ab00::", "2001:db8:ab00::"),
            ("::1", "::"),
            ("::ffff:203.0.113.9", "::ffff:203.0.113.0"),
        ]
    )
    func anonymizes(text: String, expected: String) throws {
        let ip = try #require(AuditIPAddress(text))
        #expect(ip.anonymized.description == expected)
        #expect(ip.anonymized.isIPv4 == ip.isIPv4)
    }

    @Test(
        "CIDR blocks contain exactly their addresses",
        arguments: [
            ("10.0.0.0/8", "10.0.0.0", true), ("10.0.0.0/8", "10.255.255.255", true), ("10.0.0.0/8", "11.0.0.0", false),
            ("10.0.0.0/8", "9.255.255.255", false), ("192.168.1.7/24", "192.168.1.200", true),
            ("192.168.1.7/24", "192.168.2.1", false), ("203.0.113.9", "203.0.113.9", true),
            ("203.0.113.9", "203.0.113.10", false), ("0.0.0.0/0", "255.255.255.255", true),
            ("0.0.0.0/0", "::1", false), ("10.0.0.0/8", "::ffff:10.1.2.3", true), ("10.0.0.0/8", "2001:db8::1", false),
            ("172.16.0.0/12", "172.31.255.255", true), ("172.16.0.0/12", "172.32.0.0", false),
            ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::", false),
            ("2001:db8::/32", "10.0.0.1", false), ("::/0", "2001:db8::1", true), ("::/0", "10.0.0.1", true),
            ("2001:db8::1", "2001:db8::1", true), ("2001:db8::1/128", "2001:db8::2", false),
            ("2001:db8:8000::/33", "2001:db8:7fff::", false), ("2001:db8:8000::/33", "2001:db8:8000::", true),
        ]
    )
    func containsAddresses(block: String, address: String, expected: Bool) throws {
        let cidr = try #require(AuditCIDR(block))
        let ip = try #require(AuditIPAddress(address))
        #expect(cidr.contains(ip) == expected)
    }

    @Test("mappedRange spans the first and last address of the block")
    func mappedRanges() throws {
        let v4 = try #require(AuditCIDR("192.168.1.77/24"))
        #expect(v4.prefixLength == 24)
        #expect(v4.mappedRange.low == AuditIPAddress("192.168.1.0")?.mapped)
        #expect(v4.mappedRange.high == AuditIPAddress("192.168.1.255")?.mapped)
        let host = try #require(AuditCIDR("203.0.113.9"))
        #expect(host.prefixLength == 32)
        #expect(host.mappedRange.low == host.mappedRange.high)
        let v6 = try #require(AuditCIDR("2001:db8:1234::/36"))
        #expect(v6.mappedRange.low == AuditIPAddress("2001:db8:1000::")?.bytes)
        #expect(v6.mappedRange.high == AuditIPAddress("2001:db8:1fff:ffff:ffff:ffff:ffff:ffff")?.bytes)
        let all = try #require(AuditCIDR("::/0"))
        #expect(all.mappedRange.low == [UInt8](repeating: 0, count: 16))
        #expect(all.mappedRange.high == [UInt8](repeating: 0xFF, count: 16))
        #expect(AuditCIDR("2001:db8::1")?.prefixLength == 128)
        #expect(v4.description == "192.168.1.77/24")
    }

    @Test(
        "rejects invalid CIDR blocks",
        arguments: [
            "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/a",
            "2001:db8::/129", "2001:db8::/ 32", "10.0.0/8",
        ]
    )
    func rejectsInvalidBlocks(text: String) {
        #expect(AuditCIDR(text) == nil)
    }
}
