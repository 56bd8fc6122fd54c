import AuditTrail
import NIOCore
import NIOEmbedded
import Testing

@testable import AuditTrailServer

/// Issue 12, finding 12 (c): a connection's read budget is cancelled when its client goes away,
/// so a read under way has its statement interrupted (``AuditReadBudget`` is what the store's
/// watchdog checks; Hummingbird does not cancel the handler's task itself).
@Suite struct Finding12ClientGoneTests {
    @Test func finding12_theClientClosingItsSideCancelsTheConnectionsReads() throws {
        let budget = AuditReadBudget(limit: nil, parent: nil)
        let read = AuditReadBudget(limit: .seconds(10), parent: budget)
        let channel = EmbeddedChannel(handler: AuditClientGoneHandler(budget: budget))
        #expect(!read.isCancelled)
        #expect(read.overrun() == nil)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(read.isCancelled)
        #expect(read.overrun()?.code == .cancelled)
        _ = try channel.finish()
    }

    @Test func finding12_theChannelClosingCancelsTheConnectionsReads() throws {
        let budget = AuditReadBudget(limit: nil, parent: nil)
        let channel = EmbeddedChannel(handler: AuditClientGoneHandler(budget: budget))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.outputClosed)
        #expect(!budget.isCancelled, "only the client's going away cancels")
        _ = try channel.finish()
        #expect(budget.isCancelled)
    }
}
