import AuditTrail
import NIOCore

/// Cancels a connection's ``AuditReadBudget`` when its client goes away: the input closes (the
/// client sent FIN or reset; Hummingbird allows half-closure, so the channel itself stays open
/// for the answer) or the channel closes. A read under way then has its SQLite statement
/// interrupted and its reader connection back at once, instead of finishing an answer no one
/// will read.
///
/// Hummingbird 2.28 runs a request's handler inline in the connection's task and does not
/// cancel it when the client disconnects (`HTTPChannelHandler.handleHTTP` cancels only on
/// server shutdown), hence this handler. A client that half-closes its side while it still
/// waits for an answer has its read cancelled as well.
final class AuditClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let budget: AuditReadBudget

    init(budget: AuditReadBudget) { self.budget = budget }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent { budget.cancel() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        budget.cancel()
        context.fireChannelInactive()
    }
}
