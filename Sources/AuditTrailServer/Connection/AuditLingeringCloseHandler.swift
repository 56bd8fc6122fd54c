import NIOCore
import NIOHTTP1

/// Finishes a connection that is to close (`Connection: close`) after its response went out
/// before its request body was read — a `413` for a declared body over the limit, a `401` before
/// an upload: it reads and discards the rest of the body, then closes the connection.
///
/// Hummingbird 2.28 answers such a request, half-closes its output and waits for the peer to
/// close, but stops reading (its inbound buffer is full and nothing consumes it): the body fills
/// the socket buffers, a sender that writes its whole body before it reads blocks in `write` and
/// never sees its answer. From the moment the response's end is written this handler swallows
/// the request's remaining parts, keeps reading whatever the application asks for, holds back
/// Hummingbird's half-close (over TLS it is a `close_notify`, on which most clients stop sending
/// and fail), and closes the channel once the request's end has been read and the response
/// flushed — a full close, with nothing unread, so the peer gets the answer and then EOF (no
/// reset).
///
/// The discarded parts never reach Hummingbird's connection-state handler, so they do not count
/// as activity: a sender that does not finish within the idle timeout
/// (``AuditServerConfiguration/Options/idleTimeout``) is cut off then.
///
/// It sits right after NIO's HTTP/1 request decoder, where the parts are NIOHTTP1's
/// (``AuditHTTP1Channel`` puts it there).
final class AuditLingeringCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request head was read and its end not yet.
    private var requestOpen = false
    /// The open request asked for the connection to close after its response.
    private var closesAfterResponse = false
    /// The response went out early: the rest of the request is being read and discarded.
    private var draining = false
    private var requestEnded = false
    private var responseSent = false
    /// The promise of the half-close held back while draining.
    private var heldOutputClose: EventLoopPromise<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if draining {
            if case .end = part {
                requestEnded = true
                closeWhenDone(context)
            }
            return
        }
        switch part {
        case .head(let head):
            requestOpen = true
            closesAfterResponse = !head.isKeepAlive
        case .body:
            break
        case .end:
            requestOpen = false
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Discarding must not wait for the application's demand: it will not ask again.
        if draining { context.read() }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data), requestOpen, closesAfterResponse, !draining else {
            context.write(data, promise: promise)
            return
        }
        draining = true
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { result in
            promise?.completeWith(result)
            if case .success = result {
                self.responseSent = true
                self.closeWhenDone(context)
            }
        }
        context.write(data, promise: written)
        context.read()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard draining, mode == .output else {
            context.close(mode: mode, promise: promise)
            return
        }
        // The full close after draining closes the output too; it completes this promise.
        if let promise {
            if let held = heldOutputClose { held.futureResult.cascade(to: promise) } else { heldOutputClose = promise }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        heldOutputClose?.succeed()
        heldOutputClose = nil
        context.fireChannelInactive()
    }

    /// Closes the channel once the response is flushed and the request's end was read.
    private func closeWhenDone(_ context: ChannelHandlerContext) {
        guard responseSent, requestEnded else { return }
        context.close(mode: .all, promise: nil)
    }
}
