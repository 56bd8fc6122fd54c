import Testing

@testable import AuditTrail

@Suite struct AuditRiskScorerTests {
    /// Wednesday 2026-11-25 10:00 UTC: inside the default business hours.
    static let weekdayMorning = AuditTime(milliseconds: 1_795_600_800_000)
    static let hour: Int64 = 3_600_000

    func input(
        _ action: String = "doc.view",
        outcome: AuditOutcome? = nil,
        actor: String? = "u-1",
        ip: String? = "203.0.113.1",
        path: String? = nil,
        resourceType: String? = nil,
        at time: AuditTime = weekdayMorning
    ) -> AuditEventInput {
        AuditEventInput(
            time: time,
            action: action,
            outcome: outcome,
            actor: actor == nil && ip == nil ? nil : .init(id: actor, ip: ip),
            resource: resourceType.map { .init(type: $0, id: "1") },
            request: path.map { .init(method: "GET", path: $0) }
        )
    }

    @Test func quietEventScoresZero() {
        let assessment = AuditRiskScorer().assess(input())
        #expect(assessment == AuditRiskAssessment(score: 0, reasons: []))
    }

    @Test func sensitiveEndpointByPathResourceOrCaller() {
        let scorer = AuditRiskScorer()
        #expect(scorer.assess(input(path: "/admin/users?x=1")).reasons == [.sensitiveEndpoint])
        #expect(scorer.assess(input(path: "/admin")).score == 20)
        #expect(scorer.assess(input(path: "/administrators")).reasons.isEmpty)
        #expect(scorer.assess(input(resourceType: "api_key")).reasons == [.sensitiveEndpoint])
        #expect(scorer.assess(input(), sensitive: true).reasons == [.sensitiveEndpoint])
    }

    @Test func failureDeniedAndAdminAction() {
        let scorer = AuditRiskScorer()
        #expect(scorer.assess(input(outcome: .failure, actor: "a")).reasons == [.failure])
        #expect(scorer.assess(input(outcome: .denied, actor: "b")).score == 30)
        #expect(scorer.assess(input("config.updated", actor: "c")).reasons == [.adminAction])
        #expect(scorer.assess(input("admin.impersonation.started", actor: "d")).score == 25)
        #expect(scorer.assess(input("user.deleted", actor: "e")).reasons == [.adminAction])
    }

    @Test func unusualHourFollowsHoursDaysAndOffset() {
        let scorer = AuditRiskScorer()
        #expect(scorer.assess(input(at: Self.weekdayMorning.adding(milliseconds: 12 * Self.hour))).reasons == [.unusualHour])
        // Saturday 10:00 UTC.
        #expect(scorer.assess(input(actor: "s", at: Self.weekdayMorning.adding(milliseconds: 72 * Self.hour))).reasons == [.unusualHour])
        var configuration = AuditRiskScorer.Configuration()
        configuration.utcOffsetMinutes = -9 * 60  // 10:00 UTC is 01:00 local
        #expect(AuditRiskScorer(configuration: configuration).assess(input()).reasons == [.unusualHour])
        configuration.utcOffsetMinutes = 0
        configuration.businessHours = 0..<24
        configuration.businessDays = Set(1...7)
        let always = AuditRiskScorer(configuration: configuration)
        #expect(always.assess(input(at: Self.weekdayMorning.adding(milliseconds: 72 * Self.hour + 12 * Self.hour))).reasons.isEmpty)
    }

    @Test func newIPOnlyForAKnownActor() {
        let scorer = AuditRiskScorer()
        #expect(scorer.assess(input(ip: "198.51.100.1")).reasons.isEmpty)  // first sight: the baseline
        #expect(scorer.assess(input(ip: "198.51.100.1")).reasons.isEmpty)
        #expect(scorer.assess(input(ip: "198.51.100.2")).reasons == [.newIP])
        #expect(scorer.assess(input(ip: "198.51.100.2")).reasons.isEmpty)
        #expect(scorer.assess(input(actor: "other", ip: "198.51.100.2")).reasons.isEmpty)
        #expect(scorer.assess(input(actor: nil, ip: "198.51.100.3")).reasons.isEmpty)
    }

    @Test func failureBurstPerActorAndPerIP() {
        var configuration = AuditRiskScorer.Configuration()
        configuration.burstThreshold = 3
        configuration.burstWindowMilliseconds = 60_000
        let scorer = AuditRiskScorer(configuration: configuration)
        let start = Self.weekdayMorning
        #expect(!scorer.assess(input(outcome: .failure, at: start)).reasons.contains(.failureBurst))
        #expect(!scorer.assess(input(outcome: .denied, at: start.adding(milliseconds: 1000))).reasons.contains(.failureBurst))
        #expect(scorer.assess(input(outcome: .failure, at: start.adding(milliseconds: 2000))).reasons.contains(.failureBurst))
        // A success right after the burst (a guessed password) is still flagged.
        let success = scorer.assess(input(at: start.adding(milliseconds: 3000)))
        #expect(success.reasons == [.failureBurst])
        #expect(success.score == 35)
        // Outside the window the burst is over.
        #expect(scorer.assess(input(at: start.adding(milliseconds: 70_000))).reasons.isEmpty)
        // Per IP: three actors failing from one address.
        for (index, actor) in ["x", "y", "z"].enumerated() {
            let reasons = scorer.assess(input(outcome: .failure, actor: actor, ip: "192.0.2.7", at: start.adding(milliseconds: Int64(index)))).reasons
            #expect(reasons.contains(.failureBurst) == (index == 2))
        }
    }

    @Test func weightsAddUpAndCapAt100() {
        var configuration = AuditRiskScorer.Configuration()
        configuration.weights.denied = 90
        configuration.weights.sensitiveEndpoint = 40
        let scorer = AuditRiskScorer(configuration: configuration)
        let assessment = scorer.assess(input("admin.action", outcome: .denied, path: "/admin"))
        #expect(assessment.reasons == [.sensitiveEndpoint, .denied, .adminAction])
        #expect(assessment.score == 100)
        #expect(AuditRiskScorer().assess(input("admin.action", outcome: .denied, actor: "q", path: "/admin")).score == 75)
    }

    @Test func applyKeepsTheProducersScoreAndAddsTags() {
        var event = input(outcome: .failure)
        event.tags = ["billing", "risk:failure"]
        AuditRiskAssessment(score: 20, reasons: [.failure, .newIP]).apply(to: &event)
        #expect(event.riskScore == 20)
        #expect(event.tags == ["billing", "risk:failure", "risk:new_ip"])
        event.riskScore = 5
        AuditRiskAssessment(score: 90, reasons: []).apply(to: &event)
        #expect(event.riskScore == 5)
        #expect(
            AuditRiskReason.all.map(\.rawValue) == [
                "sensitive_endpoint", "failure", "denied", "admin_action", "unusual_hour", "new_ip", "failure_burst",
            ]
        )
    }

    @Test func memoryIsBounded() {
        var configuration = AuditRiskScorer.Configuration()
        configuration.maxActors = 2
        configuration.ipsPerActor = 2
        let scorer = AuditRiskScorer(configuration: configuration)
        _ = scorer.assess(input(actor: "a", ip: "192.0.2.1"))
        #expect(scorer.assess(input(actor: "a", ip: "192.0.2.2")).reasons == [.newIP])
        #expect(scorer.assess(input(actor: "a", ip: "192.0.2.3")).reasons == [.newIP])
        // Only the last two IPs are kept: the first is new again.
        #expect(scorer.assess(input(actor: "a", ip: "192.0.2.1")).reasons == [.newIP])
        // A third actor evicts the least recently seen one ("a" after "b" and "c" were seen).
        _ = scorer.assess(input(actor: "b", ip: "192.0.2.9"))
        _ = scorer.assess(input(actor: "c", ip: "192.0.2.9"))
        #expect(scorer.assess(input(actor: "a", ip: "192.0.2.200")).reasons.isEmpty)  // forgotten: a new baseline
        #expect(scorer.memoryCounts.actors <= 2)
    }
}

@Suite struct AuditLRUCacheTests {
    @Test func evictsTheLeastRecentlyUsed() {
        var cache = AuditLRUCache<String, Int>(capacity: 3)
        for key in ["a", "b", "c"] { cache.update(key, default: 0) { $0 += 1 } }
        cache.update("a", default: 0) { $0 += 1 }  // a is now the most recent
        let (_, existed) = cache.update("d", default: 10) { $0 += 1 }  // evicts b
        #expect(!existed)
        #expect(cache.count == 3)
        #expect(cache.peek("b") == nil)
        #expect(cache.peek("a") == 2)
        #expect(cache.peek("c") == 1)
        #expect(cache.peek("d") == 11)
        cache.update("e", default: 0) { _ in }  // evicts c
        #expect(cache.peek("c") == nil)
        #expect(cache.count == 3)
    }

    @Test func capacityOneAndManyInsertionsStayBounded() {
        var one = AuditLRUCache<Int, Int>(capacity: 0)
        #expect(one.capacity == 1)
        for key in 0..<100 { one.update(key, default: key) { _ in } }
        #expect(one.count == 1)
        #expect(one.peek(99) == 99)
        var many = AuditLRUCache<Int, Int>(capacity: 50)
        for key in 0..<10_000 { many.update(key % 75, default: 0) { $0 += 1 } }
        #expect(many.count == 50)
    }
}
