extension JSONParser {
    /// The keys of one object read so far, for the duplicate-key check: the first 16 in place
    /// (an event's objects are small: no allocation and no hashing per key), any more in a set,
    /// so a hostile object of many members still costs O(1) per key.
    struct SeenKeys {
        private var few = InlineArray<16, String>(repeating: "")
        private var more: Set<String> = []
        private(set) var count = 0

        /// Adds `key`; false when it was already there.
        mutating func insert(_ key: String) -> Bool {
            let length = key.utf8.count
            for index in 0..<min(count, 16) where few[index].utf8.count == length && few[index] == key { return false }
            if count < 16 {
                few[count] = key
            } else if !more.insert(key).inserted {
                return false
            }
            count += 1
            return true
        }
    }
}
