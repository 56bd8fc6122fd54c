import AuditTrail
import Crypto
// Bundle.module: the explorer's files are resources of this package (Explorer/Assets).
import Foundation

/// The web explorer's files (`Explorer/Assets`: hand-written HTML, CSS and ES modules, no
/// build step): the page at `GET /` and its assets at `GET /assets/<name>.<content hash>.<ext>`.
///
/// Loaded once at start. Each asset's URL carries the first 16 hex digits of its SHA-256, so it is
/// cached for a year (`immutable`) and a new build is fetched at once; the page itself is
/// `no-cache`. Everything is served with a Content-Security-Policy that allows scripts, styles and
/// requests from this origin only — no inline script or style — and `X-Content-Type-Options:
/// nosniff`.
struct AuditExplorer: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let mediaType: String
    }

    /// `index.html` with each asset's hashed URL.
    let page: [UInt8]
    /// The assets by hashed name (`explorer.0123456789abcdef.js`).
    let assets: [String: Asset]

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The assets, each after those it imports: an asset's references to earlier ones
    /// (`./proof.js`) are rewritten to their hashed names before its own hash is taken.
    private static let script = "text/javascript; charset=utf-8"

    static let assetNames: [(name: String, mediaType: String)] = [
        ("proof.js", script), ("api.js", script), ("query.js", script), ("overview.js", script), ("detail.js", script),
        ("admin.js", script), ("explorer.js", script), ("explorer.css", "text/css; charset=utf-8"),
    ]

    /// The explorer from the package's resources; nil (and `GET /` stays the plain start page)
    /// when they are not next to the executable.
    static func load() -> AuditExplorer? {
        guard let directory = Bundle.module.url(forResource: "Assets", withExtension: nil),
            let index = try? Data(contentsOf: directory.appendingPathComponent("index.html"))
        else { return nil }
        var page = String(decoding: index, as: UTF8.self)
        var assets: [String: Asset] = [:]
        var hashedNames: [(String, String)] = []
        for (name, mediaType) in assetNames {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(name)) else { return nil }
            var text = String(decoding: data, as: UTF8.self)
            for (plain, hashed) in hashedNames { text = text.replacingOccurrences(of: "./\(plain)", with: "./\(hashed)") }
            let bytes = Array(text.utf8)
            let digest = AuditHex.string(SHA256.hash(data: bytes).prefix(8))
            let dot = name.lastIndex(of: ".")!
            let hashed = "\(name[..<dot]).\(digest)\(name[dot...])"
            assets[hashed] = Asset(bytes: bytes, mediaType: mediaType)
            hashedNames.append((name, hashed))
            page = page.replacingOccurrences(of: "/assets/\(name)", with: "/assets/\(hashed)")
        }
        return AuditExplorer(page: Array(page.utf8), assets: assets)
    }
}
