import AuditTrail
import Testing

/// The alert window: a threshold rule fires exactly once per window per group, groups are
/// independent, and a `new_value` rule fires on a group's new value after its baseline.
@Suite struct AuditAlertWindowTests {
    static let start: Int64 = 1_767_571_200_000

    static func event(_ seq: Int64, at seconds: Double, ip: String?, actor: String = "u-1") -> AuditEvent {
        AuditEvent(
            id: "e\(seq)",
            time: AuditTime(milliseconds: start),
            action: "user.login",
            category: "authentication",
            outcome: .failure,
            actor: .init(id: actor, ip: ip),
            seq: seq,
            receivedAt: AuditTime(milliseconds: start + Int64(seconds * 1000))
        )
    }

    static func rule(threshold: Int = 3, window: Int = 60, kind: AuditAlertRule.Kind = .threshold) -> AuditAlertRule {
        AuditAlertRule(
            id: "alr_test",
            name: "t",
            query: "action:user.login",
            kind: kind,
            threshold: threshold,
            windowSeconds: window,
            groupBy: kind == .threshold ? .actorIP : .actorID,
            valueField: kind == .threshold ? nil : .actorIP,
            createdAt: AuditTime(milliseconds: 0),
            createdBy: "test"
        )
    }

    @Test func aThresholdFiresOncePerWindowPerGroup() {
        var window = AuditAlertWindow(rule: Self.rule())
        var firings: [AuditAlertWindow.Firing] = []
        // Group A: 3 in 10 s fires; 4 more within the window do not.
        for (index, second) in [0.0, 5, 10, 12, 20, 30, 59].enumerated() {
            if let firing = window.add(Self.event(Int64(index + 1), at: second, ip: "10.0.0.1")) { firings.append(firing) }
        }
        #expect(firings.count == 1)
        #expect(firings.first?.seqs == [1, 2, 3] && firings.first?.group == "10.0.0.1")
        // Group B is its own: 2 events do not fire, the third does.
        #expect(window.add(Self.event(20, at: 31, ip: "10.0.0.2")) == nil)
        #expect(window.add(Self.event(21, at: 32, ip: "10.0.0.2")) == nil)
        #expect(window.add(Self.event(22, at: 33, ip: "10.0.0.2"))?.seqs == [20, 21, 22])
        // Events without the field are not counted.
        #expect(window.add(Self.event(23, at: 34, ip: nil)) == nil)
        // Once the window after A's firing has passed, the events since (quiet until now) count:
        // those at 30 s and 59 s and this one at 71 s are three within 60 s.
        #expect(window.add(Self.event(30, at: 71, ip: "10.0.0.1"))?.seqs == [6, 7, 30])
        #expect(window.add(Self.event(31, at: 72, ip: "10.0.0.1")) == nil)
    }

    @Test func eventsSpreadWiderThanTheWindowDoNotFire() {
        var window = AuditAlertWindow(rule: Self.rule(threshold: 3, window: 10))
        for (index, second) in [0.0, 6, 12, 18, 24, 30].enumerated() {
            #expect(window.add(Self.event(Int64(index + 1), at: second, ip: "10.0.0.1")) == nil)
        }
    }

    @Test func aReplayDoesNotFireButKeepsTheCountsAndFirings() {
        var window = AuditAlertWindow(rule: Self.rule())
        #expect(window.add(Self.event(1, at: 0, ip: "10.0.0.1"), quiet: true) == nil)
        #expect(window.add(Self.event(2, at: 1, ip: "10.0.0.1"), quiet: true) == nil)
        #expect(window.add(Self.event(3, at: 2, ip: "10.0.0.1"))?.seqs == [1, 2, 3])

        var restarted = AuditAlertWindow(rule: Self.rule())
        restarted.restore(firings: window.recentFirings(now: AuditTime(milliseconds: Self.start + 3000)))
        for seq in Int64(4)...6 { #expect(restarted.add(Self.event(seq, at: Double(seq), ip: "10.0.0.1")) == nil) }
    }

    @Test func aNewValueFiresAfterTheBaseline() {
        var window = AuditAlertWindow(rule: Self.rule(kind: .newValue))
        #expect(window.add(Self.event(1, at: 0, ip: "10.0.0.1")) == nil)
        #expect(window.add(Self.event(2, at: 1, ip: "10.0.0.1")) == nil)
        let firing = window.add(Self.event(3, at: 2, ip: "10.0.0.9"))
        #expect(firing?.value == "10.0.0.9" && firing?.group == "u-1" && firing?.seqs == [3])
        #expect(window.add(Self.event(4, at: 3, ip: "10.0.0.9")) == nil)
        #expect(window.add(Self.event(5, at: 4, ip: "10.0.0.7", actor: "u-2")) == nil)
    }
}
