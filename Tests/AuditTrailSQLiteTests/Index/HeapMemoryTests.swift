import AuditTrail
import CAuditProcess
import Foundation
import Testing

@testable import AuditTrailSQLite

/// The heap, measured: the index cache's budget is what it really holds (the C heap's growth while
/// it fills agrees with what it counts; the soak found the count 3.7 times short for one-seq
/// sets, so a 256 MiB budget held far more), and a trim gives a fragmented heap's free pages back
/// (what the server's ``AuditHeapTrimmer`` does every 30 s).
///
/// The heap is the process's, so this runs alone, in its own `swift test` (`.ci/run`):
/// `AUDITTRAIL_HEAP_TESTS=1 swift test --skip-build --disable-xctest --filter HeapMemoryTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["AUDITTRAIL_HEAP_TESTS"] == "1", "measures the process's heap: run alone"))
struct HeapMemoryTests {
    func heapInUse() -> Int {
        var stats = caudit_heap_stats()
        _ = caudit_heap_stats_read(&stats)
        return stats.in_use
    }

    func expectAgreement(_ label: String, measured: Int, accounted: Int) {
        let ratio = Double(accounted) / Double(max(1, measured))
        #expect(ratio > 0.9 && ratio < 1.1, "\(label): counts \(accounted) bytes for \(measured) bytes of heap")
    }

    @Test(arguments: [(seqs: 1, keyLength: 8), (seqs: 20, keyLength: 24), (seqs: 4_000, keyLength: 10), (seqs: 20_000, keyLength: 10)])
    func setsCountWhatTheyHold(seqs: Int, keyLength: Int) {
        let entries = seqs > 1_000 ? 2_000 : 100_000
        let offsets = (0..<seqs).map { UInt16(($0 * 3) % 65_536) }
        let cache = AuditIndexCache(budget: 1 << 40)
        let before = heapInUse()
        for index in 0..<entries {
            // Made here, as a read from the file makes them: the cache holds the only copies.
            let key = AuditIndexKey(.actor, String(repeating: "a", count: keyLength - 6) + String(100_000 + index))
            let read = AuditChunkRead(sets: [key: AuditSeqSet(offsets: offsets)], present: AuditSeqSet(offsets: []), timeBounds: nil, times: nil)
            cache.store(chunk: Int64(index % 7), read: read, keys: [key])
        }
        expectAgreement("\(entries) sets of \(seqs)", measured: heapInUse() - before, accounted: cache.accountedBytes)
        withExtendedLifetime(cache) {}
    }

    @Test(arguments: [1, 20])
    func wholeKindsCountWhatTheyHold(seqs: Int) {
        let offsets = (0..<seqs).map { UInt16($0 * 3) }
        let cache = AuditIndexCache(budget: 1 << 40)
        let before = heapInUse()
        for chunk in 0..<100 {
            var sets: [AuditIndexKey: AuditSeqSet] = [:]
            for index in 0..<1_000 { sets[AuditIndexKey(.actor, "user-\(100_000 + index)")] = AuditSeqSet(offsets: offsets) }
            cache.store(chunk: Int64(chunk), kind: .actor, sets: sets)
        }
        expectAgreement("100 kinds of 1,000 sets of \(seqs)", measured: heapInUse() - before, accounted: cache.accountedBytes)
        withExtendedLifetime(cache) {}
    }

    /// Chunk heads, first without and then with their time columns (a search, then stats).
    @Test func chunkHeadsCountWhatTheyHold() {
        let cache = AuditIndexCache(budget: 1 << 40)
        let before = heapInUse()
        for chunk in 0..<60 {
            let present = AuditSeqSet(offsets: (0..<1_000).map { UInt16($0 * 7) })
            cache.store(chunk: Int64(chunk), read: AuditChunkRead(sets: [:], present: present, timeBounds: 0...1, times: nil), keys: [])
            let times = (0..<65_536).map { Int64(chunk * 65_536 + $0) }
            cache.store(chunk: Int64(chunk), read: AuditChunkRead(sets: [:], present: present, timeBounds: 0...1, times: times), keys: [])
        }
        expectAgreement("60 chunk heads with time columns", measured: heapInUse() - before, accounted: cache.accountedBytes)
        withExtendedLifetime(cache) {}
    }

    /// Anonymous resident memory of this process, in bytes (`/proc/self/status`).
    func residentAnonymous() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])) * 1024
    }

    @Test func aTrimGivesAFragmentedHeapsFreePagesBack() throws {
        #if os(Linux)
        // 96 MiB in 4 KiB blocks, then every block but one in 32 freed: the free memory lies
        // between live blocks, where freeing alone never returns it.
        var blocks = (0..<24_576).map { _ in UnsafeMutableRawPointer.allocate(byteCount: 4_096, alignment: 16) }
        for block in blocks { block.initializeMemory(as: UInt8.self, repeating: 1, count: 4_096) }
        for index in blocks.indices where index % 32 != 0 { blocks[index].deallocate() }
        blocks = blocks.enumerated().filter { $0.offset % 32 == 0 }.map(\.element)
        let before = try residentAnonymous()
        _ = caudit_heap_trim()
        let after = try residentAnonymous()
        #expect(before - after > 48 << 20, "a trim released \(before - after) bytes of ~93 MiB free")
        for block in blocks { block.deallocate() }
        #endif
    }
}
