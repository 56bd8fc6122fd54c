#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming GETs: the body is handed on in pieces as it arrives (de-chunked), never held whole,
/// so `audittrail export` writes a download of any size in constant memory.
extension LoopbackHTTP {
    /// The head of a streamed response; `complete` says whether the body ended as HTTP framed it
    /// (the last chunk, or `Content-Length` bytes) rather than by the connection dropping.
    struct StreamedResponse {
        var status: Int
        var headers: [(String, String)]
        /// The body of a non-200 answer (a problem), which is small and kept.
        var errorBody: [UInt8]
        var complete: Bool
    }

    /// Sends a GET and passes each piece of a 200 answer's body to `body` as it arrives.
    static func stream(
        host: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        body: ([UInt8]) throws -> Void
    ) throws -> StreamedResponse {
        let fd = try openConnection(host: host, port: port)
        defer { close(fd) }
        try sendRequest(fd, host: host, port: port, method: "GET", path: path, headers: headers, body: [])
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var pending: [UInt8] = []
        var response: StreamedResponse?
        var decoder: ChunkDecoder?
        var remaining: Int?
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            var piece = Array(buffer[0..<n])
            if response == nil {
                pending += piece
                guard let end = headerEnd(pending) else { continue }
                let head = try parse(Array(pending[..<(end + 4)]))
                response = StreamedResponse(status: head.status, headers: head.headers, errorBody: [], complete: false)
                if isChunked(head.headers) { decoder = ChunkDecoder() }
                remaining = head.headers.first { $0.0 == "content-length" }.flatMap { Int($0.1) }
                piece = Array(pending[(end + 4)...])
                pending = []
            }
            var data = decoder?.decode(piece) ?? piece
            if let left = remaining {
                data = Array(data.prefix(left))
                remaining = left - data.count
            }
            if response!.status == 200 {
                if !data.isEmpty { try body(data) }
            } else if response!.errorBody.count < 1 << 16 {
                response!.errorBody += data
            }
            if decoder?.finished == true || remaining == 0 { break }
        }
        guard var result = response else { throw Failure(description: "no HTTP response") }
        result.complete = decoder.map(\.finished) ?? (remaining.map { $0 == 0 } ?? true)
        return result
    }

    /// The offset of the first CR LF CR LF, or nil (compared in place, no array per position).
    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0..<(bytes.count - 3)).first {
            bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10
        }
    }

    /// An incremental `Transfer-Encoding: chunked` decoder: bytes in any pieces, data out (a whole
    /// body at once for ``parse(_:)``, piece by piece for ``stream(host:port:path:headers:body:)``).
    struct ChunkDecoder {
        private(set) var finished = false
        private var sizeLine: [UInt8] = []
        private var dataLeft = 0
        private var skip = 0

        mutating func decode(_ input: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            var index = 0
            while index < input.count, !finished {
                if skip > 0 {
                    skip -= 1
                    index += 1
                } else if dataLeft > 0 {
                    let take = min(dataLeft, input.count - index)
                    out += input[index..<(index + take)]
                    index += take
                    dataLeft -= take
                    if dataLeft == 0 { skip = 2 }
                } else {
                    let byte = input[index]
                    index += 1
                    guard byte == 10 else {
                        sizeLine.append(byte)
                        continue
                    }
                    let text = String(decoding: sizeLine, as: UTF8.self).split(separator: ";").first ?? ""
                    sizeLine = []
                    let size = Int(String(text.filter { !" \r\t".contains($0) }), radix: 16) ?? 0
                    if size == 0 { finished = true } else { dataLeft = size }
                }
            }
            return out
        }
    }
}
