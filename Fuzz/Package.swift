// swift-tools-version: 6.1
// libFuzzer targets for the parsers that read what clients send: the event decoder, the batch
// (JSON array / NDJSON) splitter and the search language. A package of its own, so the main
// package's `swift build` and `swift test` never build them; `./run.sh TARGET` builds and runs one.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "audittrail-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "audittrail", path: "..")],
    targets: [.target(name: "FuzzSupport", swiftSettings: swiftSettings)]
        + ["FuzzEventDecoder", "FuzzBatchSplitter", "FuzzSearchParser"].map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "AuditTrail", package: "audittrail")],
                swiftSettings: swiftSettings
            )
        }
)
