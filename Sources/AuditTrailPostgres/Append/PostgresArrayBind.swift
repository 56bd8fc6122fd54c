import AuditTrail
import NIOCore
import PostgresNIO

/// A one-dimensional array parameter written straight into PostgreSQL's binary array format
/// (`unnest($1::int8[], …)` in a multi-row `INSERT`): each element goes from the sealed rows into
/// the bind buffer once, without the per-element `ByteBuffer`s and the generic array encoding of
/// `[ByteBuffer]`/`[String]` parameters, which cost more CPU than anything else an append does
/// while it holds the chain head.
struct PostgresArrayBind: PostgresDynamicTypeEncodable {
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }
    private let elementType: PostgresDataType
    private let count: Int
    private let writeElement: (Int, inout ByteBuffer) -> Void

    private init(_ type: PostgresDataType, of element: PostgresDataType, count: Int, _ write: @escaping (Int, inout ByteBuffer) -> Void) {
        psqlType = type
        elementType = element
        self.count = count
        writeElement = write
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        // Header: one dimension, no nulls, the element type, the dimension's length and lower bound.
        buffer.writeMultipleIntegers(Int32(1), Int32(0), elementType.rawValue, Int32(count), Int32(1))
        for index in 0..<count {
            // Each element: its byte length, then its bytes.
            let lengthAt = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            writeElement(index, &buffer)
            buffer.setInteger(Int32(buffer.writerIndex - lengthAt - 4), at: lengthAt)
        }
    }

    static func int8(_ count: Int, _ value: @escaping (Int) -> Int64) -> Self {
        Self(.int8Array, of: .int8, count: count) { index, buffer in buffer.writeInteger(value(index)) }
    }

    static func int2(_ count: Int, _ value: @escaping (Int) -> Int16) -> Self {
        Self(.int2Array, of: .int2, count: count) { index, buffer in buffer.writeInteger(value(index)) }
    }

    static func text(_ count: Int, _ value: @escaping (Int) -> String) -> Self {
        Self(.textArray, of: .text, count: count) { index, buffer in buffer.writeString(value(index)) }
    }

    static func bytea(_ count: Int, _ value: @escaping (Int) -> [UInt8]) -> Self {
        Self(.byteaArray, of: .bytea, count: count) { index, buffer in buffer.writeBytes(value(index)) }
    }

    static func hashes(_ count: Int, _ value: @escaping (Int) -> AuditHash) -> Self {
        Self(.byteaArray, of: .bytea, count: count) { index, buffer in _ = value(index).withUnsafeBytes { buffer.writeBytes($0) } }
    }
}
