import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation

/// Escapes a string for inclusion in hand-written JSON.
func jsonEscaped(_ text: String) -> String {
    var out: [UInt8] = []
    CanonicalJSON.writeString(text, into: &out)
    return String(decoding: out.dropFirst().dropLast(), as: UTF8.self)
}

/// A plain text table with aligned columns (no trailing spaces).
func renderTable(header: [String], rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    func line(_ cells: [String]) -> String {
        let text = cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
        return String(text.reversed().drop { $0 == " " }.reversed())
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}
