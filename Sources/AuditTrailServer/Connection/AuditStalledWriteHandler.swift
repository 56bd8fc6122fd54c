import NIOCore

/// Closes a connection whose client has taken none of the response for ``timeout``: the
/// channel became unwritable (the socket's send buffer and NIO's outbound buffer are full) and
/// stayed so. A live tail (`GET /v1/stream`) or an export to a client that stopped reading
/// would otherwise hold its task, its connection and its place among `--tail-max-streams` for
/// as long as the client keeps the socket open; the server's memory does not grow either way
/// (its writes wait for the socket), but nothing else ends such a response. A client that reads
/// slowly makes the channel writable again now and then, which restarts the clock.
final class AuditStalledWriteHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            timer?.cancel()
            timer = nil
        } else if timer == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
