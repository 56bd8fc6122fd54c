// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "audittrail",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AuditTrail", targets: ["AuditTrail"]),
        .library(name: "AuditTrailSQLite", targets: ["AuditTrailSQLite"]),
        .library(name: "AuditTrailPostgres", targets: ["AuditTrailPostgres"]),
        .library(name: "AuditTrailTesting", targets: ["AuditTrailTesting"]),
        .library(name: "AuditTrailHummingbird", targets: ["AuditTrailHummingbird"]),
        .library(name: "AuditTrailServer", targets: ["AuditTrailServer"]),
        .library(name: "AuditTrailClient", targets: ["AuditTrailClient"]),
        .executable(name: "audittrail", targets: ["audittrail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(name: "CAuditSHA256"),
        .target(name: "CAuditProcess"),
        .target(
            name: "AuditTrail",
            dependencies: [
                "CAuditSHA256",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditTrailSQLite",
            dependencies: [
                "AuditTrail",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditTrailPostgres",
            dependencies: [
                "AuditTrail",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditTrailTesting",
            dependencies: ["AuditTrail"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditTrailHummingbird",
            dependencies: [
                "AuditTrail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditTrailServer",
            dependencies: [
                "AuditTrail",
                "AuditTrailSQLite",
                "AuditTrailPostgres",
                "AuditTrailHummingbird",
                "CAuditProcess",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Explorer/Assets")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditTrailClient",
            dependencies: [
                "AuditTrail",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "audittrail",
            dependencies: [
                "AuditTrail", "AuditTrailSQLite", "AuditTrailPostgres", "AuditTrailServer", "AuditTrailHummingbird", "AuditTrailClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The example app (Examples/NotesApp): built and tested with the package, run with
        // `swift run notes-app`.
        .target(
            name: "NotesApp",
            dependencies: [
                "AuditTrail", "AuditTrailSQLite", "AuditTrailHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/NotesApp/Sources/NotesApp",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "notes-app",
            dependencies: [
                "NotesApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/NotesApp/Sources/notes-app",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotesAppTests",
            dependencies: [
                "NotesApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/NotesApp/Tests/NotesAppTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailTests",
            dependencies: [
                "AuditTrail", "AuditTrailTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Export/Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailSQLiteTests",
            dependencies: [
                "AuditTrailSQLite", "AuditTrailTesting", "CAuditProcess", .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailPostgresTests",
            dependencies: [
                "AuditTrailPostgres", "AuditTrailTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailHummingbirdTests",
            dependencies: [
                "AuditTrailHummingbird", "AuditTrailSQLite", "AuditTrailTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailServerTests",
            dependencies: [
                "AuditTrailServer", "AuditTrailTesting", "AuditTrailSQLite", "AuditTrailPostgres", "AuditTrailHummingbird", "AuditTrailClient",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "audittrail-client-probe",
            dependencies: ["AuditTrail", "AuditTrailClient", .product(name: "Logging", package: "swift-log")],
            path: "Tests/AuditTrailClientProbe",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailClientTests",
            dependencies: [
                "audittrail", "audittrail-client-probe", "AuditTrail", "AuditTrailClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailCLITests",
            dependencies: [
                "audittrail", "AuditTrail", "AuditTrailSQLite", "AuditTrailPostgres", "AuditTrailServer", "AuditTrailClient", "AuditTrailTesting",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
