/// The words of free text, as the search index keeps them and as `q`'s words are matched: runs of
/// letters, digits and combining marks (Unicode properties, any script), lower-cased, with
/// combining marks and the diacritics of Latin letters removed (`Café` → `cafe`); everything
/// else separates words. A word longer than
/// ``maximumWordBytes`` is not indexed and cannot be searched for (a base64 blob is not a word).
///
/// ```swift
/// AuditTokenizer.words("User u-17 performed: Café_Ümlaut")  // ["user", "u", "17", "performed", "cafe", "umlaut"]
/// ```
public enum AuditTokenizer {
    /// The longest word kept, in UTF-8 bytes.
    public static let maximumWordBytes = 64

    /// The words of `text`, in order (repeats kept: phrases need positions).
    public static func words(_ text: some StringProtocol) -> [String] {
        var out: [String] = []
        forEachWord(text) { out.append($0) }
        return out
    }

    /// Calls `body` with each word of `text`, in order.
    public static func forEachWord(_ text: some StringProtocol, _ body: (String) -> Void) {
        forEachWordBytes(text) { body(String(decoding: $0, as: UTF8.self)) }
    }

    /// Calls `body` with the UTF-8 bytes of each word of `text`, in order (valid only during the
    /// call): how the index takes words, without a string per word.
    static func forEachWordBytes(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let utf8 = text.utf8
        // ASCII: byte by byte, no Unicode machinery.
        if utf8.allSatisfy({ $0 < 0x80 }) {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumWordBytes) { word in
                // The word's length so far; past the buffer, its bytes are not kept (nor is it).
                var length = 0
                func flush() {
                    if length > 0, length <= maximumWordBytes { body(UnsafeBufferPointer(rebasing: word[0..<length])) }
                    length = 0
                }
                for byte in utf8 {
                    switch byte {
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        if length < maximumWordBytes { word[length] = byte }
                        length += 1
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                        if length < maximumWordBytes { word[length] = byte + 32 }
                        length += 1
                    default: flush()
                    }
                }
                flush()
            }
            return
        }
        var word = String.UnicodeScalarView()
        func flush() {
            if !word.isEmpty {
                let folded = fold(String(word))
                if !folded.isEmpty, folded.utf8.count <= maximumWordBytes { AuditIndexKey.withBytes(folded, body) }
            }
            word = String.UnicodeScalarView()
        }
        for scalar in String(text).unicodeScalars {
            let properties = scalar.properties
            if properties.isAlphabetic || properties.numericType != nil || properties.generalCategory.isMark {
                word.append(scalar)
            } else {
                flush()
            }
        }
        flush()
    }

    /// Lower-cased, Latin diacritics folded, combining marks removed.
    static func fold(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in word.lowercased().decomposedCanonically.unicodeScalars where !scalar.properties.generalCategory.isMark {
            out.append(scalar)
        }
        return String(out)
    }
}

extension Unicode.GeneralCategory {
    var isMark: Bool {
        switch self {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}

extension String {
    /// Latin letters with diacritics replaced by their base letters (``AuditLatinFolding``);
    /// combining marks that follow a letter are dropped by the caller. Other scripts keep their
    /// scalars (the core has no Unicode normalization without Foundation).
    var decomposedCanonically: String {
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if let base = AuditLatinFolding.base(of: scalar) {
                out.append(contentsOf: base.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
