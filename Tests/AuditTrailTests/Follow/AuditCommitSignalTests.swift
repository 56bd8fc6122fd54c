import AuditTrail
import Testing

/// What wakes a follower of the log: commits, its timeout, a stop, a cancellation. "At once" is
/// told from "at the timeout" by a timeout of 300 s against a bound of 120 s: the whole suite on two
/// cores delays a task by seconds now and then.
@Suite struct AuditCommitSignalTests {
    let clock = ContinuousClock()

    @Test func aWaitForWhatIsAlreadyCommittedReturnsAtOnce() async {
        let signal = AuditCommitSignal()
        signal.committed(through: 10)
        let subscription = signal.subscribe()
        let start = clock.now
        await subscription.wait(beyond: 9, timeout: .seconds(300))
        #expect(clock.now - start < .seconds(120))
        #expect(signal.latestSeq == 10)
    }

    @Test func aCommitWakesEveryWaiter() async {
        let signal = AuditCommitSignal()
        let subscriptions = (0..<3).map { _ in signal.subscribe() }
        #expect(signal.subscriberCount == 3)
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            for subscription in subscriptions { group.addTask { await subscription.wait(beyond: 0, timeout: .seconds(300)) } }
            try? await Task.sleep(for: .milliseconds(50))
            signal.committed(through: 1)
        }
        #expect(clock.now - start < .seconds(120))
    }

    @Test func aWaitEndsAfterItsTimeoutWithoutACommit() async {
        let subscription = AuditCommitSignal().subscribe()
        let start = clock.now
        await subscription.wait(beyond: 0, timeout: .milliseconds(100))
        #expect(clock.now - start >= .milliseconds(100))
    }

    @Test func aStoppedSubscriptionEndsItsWaitAndEveryLaterOne() async {
        let signal = AuditCommitSignal()
        let subscription = signal.subscribe()
        let start = clock.now
        async let waited: Void = subscription.wait(beyond: 0, timeout: .seconds(300))
        try? await Task.sleep(for: .milliseconds(50))
        subscription.stop()
        await waited
        await subscription.wait(beyond: 0, timeout: .seconds(300))
        #expect(subscription.isStopped)
        #expect(clock.now - start < .seconds(120))
    }

    @Test func aCancelledWaitReturnsAndASubscriptionLetGoIsNotCounted() async {
        let signal = AuditCommitSignal()
        var subscription: AuditCommitSignal.Subscription? = signal.subscribe()
        let start = clock.now
        let task = Task { [subscription] in await subscription?.wait(beyond: 0, timeout: .seconds(300)) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(clock.now - start < .seconds(120))
        subscription = nil
        #expect(signal.subscriberCount == 0)
    }
}
