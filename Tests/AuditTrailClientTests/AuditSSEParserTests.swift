import AuditTrailClient
import Testing

/// The Server-Sent Events reader of `AuditLiveTail`, against the WHATWG rules.
@Suite struct AuditSSEParserTests {
    @Test("messages split across pieces, with LF, CRLF and CR line ends, are read whole")
    func messagesAcrossPiecesAndLineEnds() throws {
        let stream =
            "retry: 2000\r\n: a comment\r\nid: 7\r\ndata: {\"a\":1}\r\n\r\nevent: disconnect\rdata: first\rdata:second\r\rid: 9\n: heartbeat\n\ndata\n\n"
        var parser = AuditSSEParser()
        var messages: [AuditSSEParser.Message] = []
        for byte in stream.utf8 { messages += try parser.feed([byte]) }
        #expect(
            messages == [
                .init(event: "message", data: #"{"a":1}"#, id: "7"),
                .init(event: "disconnect", data: "first\nsecond", id: "7"),
                .init(event: "message", data: "", id: "9"),
            ]
        )
        // A heartbeat (an id and no data) dispatches nothing but moves the last event id.
        #expect(parser.lastEventID == "9")
    }

    @Test func aLineOverTheLimitIsAnError() {
        var parser = AuditSSEParser()
        parser.maxLineBytes = 16
        #expect(throws: AuditSSEParser.LineTooLong.self) { try parser.feed(Array("data: 0123456789abcdef".utf8)) }
    }
}
