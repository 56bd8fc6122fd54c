/// A fixed-capacity least-recently-used map: the bounded memory behind the risk scorer's
/// per-actor and per-IP history.
///
/// Entries live in one array, linked most- to least-recently used by index, with a dictionary from
/// key to slot. A full cache reuses the least recently used slot in place, so after warm-up a
/// look-up or an insertion allocates nothing but what the key itself needs. Not thread-safe:
/// ``AuditRiskScorer`` keeps it inside its `Mutex`.
///
/// ```swift
/// var cache = AuditLRUCache<String, Int>(capacity: 2)
/// cache.update("a", default: 0) { $0 += 1 }   // a=1
/// ```
package struct AuditLRUCache<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var newer: Int
        var older: Int
    }

    /// The most entries kept; the least recently used one is evicted past it.
    package let capacity: Int
    private var slots: [Slot] = []
    private var index: [Key: Int] = [:]
    /// Most recently used slot, or -1 when empty.
    private var newest = -1
    /// Least recently used slot, or -1 when empty.
    private var oldest = -1

    /// A cache of at most `capacity` entries (at least 1).
    package init(capacity: Int) {
        self.capacity = max(1, capacity)
        slots.reserveCapacity(min(self.capacity, 1024))
        index.reserveCapacity(min(self.capacity, 1024))
    }

    /// The number of entries.
    package var count: Int { index.count }

    /// The value for `key`, without changing its recency.
    package func peek(_ key: Key) -> Value? {
        index[key].map { slots[$0].value }
    }

    /// Runs `body` on the value of `key` (inserting `makeDefault()` first when absent, evicting the
    /// least recently used entry when full) and marks it most recently used. Returns `body`'s result
    /// and whether the key was already present.
    @discardableResult
    package mutating func update<Result>(
        _ key: Key,
        default makeDefault: @autoclosure () -> Value,
        _ body: (inout Value) -> Result
    ) -> (result: Result, existed: Bool) {
        if let slot = index[key] {
            moveToFront(slot)
            return (body(&slots[slot].value), true)
        }
        let slot: Int
        if slots.count < capacity {
            slot = slots.count
            slots.append(Slot(key: key, value: makeDefault(), newer: -1, older: -1))
        } else {
            slot = oldest
            unlink(slot)
            index[slots[slot].key] = nil
            slots[slot].key = key
            slots[slot].value = makeDefault()
        }
        index[key] = slot
        linkAtFront(slot)
        return (body(&slots[slot].value), false)
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (slots[slot].newer, slots[slot].older)
        if newer >= 0 { slots[newer].older = older } else { newest = older }
        if older >= 0 { slots[older].newer = newer } else { oldest = newer }
        slots[slot].newer = -1
        slots[slot].older = -1
    }

    private mutating func linkAtFront(_ slot: Int) {
        slots[slot].older = newest
        slots[slot].newer = -1
        if newest >= 0 { slots[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
