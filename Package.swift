// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "TestEnvKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TestEnvKit", targets: ["TestEnvKit"]),
        .library(name: "TestEnvKitTesting", targets: ["TestEnvKitTesting"]),
        .library(name: "TestEnvKitXCTest", targets: ["TestEnvKitXCTest"]),
        // The connection API alone (values, rows, errors, transactions), for application code that
        // uses the drivers without the test manager.
        .library(name: "TestEnvCore", targets: ["TestEnvCore"]),
        .library(name: "TestEnvMySQL", targets: ["TestEnvMySQL"]),
        .library(name: "TestEnvSQLite", targets: ["TestEnvSQLite"]),
        .executable(name: "testenv", targets: ["testenv"]),
        .executable(name: "testenv-demo", targets: ["testenv-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only for the interop tests (a test target's dependency is not fetched by packages that use TestEnvKit).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries, linked from the system (see scripts/prerequisites.sh).
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"]), .brew(["mariadb-connector-c"])]
        ),
        .systemLibrary(
            name: "CSQLite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),

        // The vocabulary both drivers share: values, rows, errors, the connection protocol.
        .target(name: "TestEnvCore"),

        // Drivers: they open connections and run statements; they know nothing about tests.
        .target(name: "TestEnvMySQL", dependencies: ["TestEnvCore", "CMariaDB"]),
        .target(name: "TestEnvSQLite", dependencies: ["TestEnvCore", "CSQLite3"]),

        // What a user imports: configuration, fallback, schema loading, isolated environments.
        .target(
            name: "TestEnvKit",
            dependencies: ["TestEnvCore", "TestEnvMySQL", "TestEnvSQLite", .product(name: "Logging", package: "swift-log")]
        ),

        // Thin adapters, so that only test code links a test framework.
        .target(name: "TestEnvKitTesting", dependencies: ["TestEnvKit"]),
        .target(name: "TestEnvKitXCTest", dependencies: ["TestEnvKit"]),

        .executableTarget(
            name: "testenv",
            dependencies: ["TestEnvKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The reference application and example factories: how to test a database-backed service.
        .target(
            name: "TestEnvExamples", dependencies: ["TestEnvKit", .product(name: "Logging", package: "swift-log")], path: "Examples",
            exclude: ["Bench"]),
        // Seeding and service figures on the example schema (the CLI's bench measures the user's schema).
        .executableTarget(
            name: "testenv-seeding-bench",
            dependencies: [
                "TestEnvKit", "TestEnvExamples", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/Bench"
        ),

        // The README's first command.
        .executableTarget(
            name: "testenv-demo", dependencies: ["TestEnvKit", "TestEnvExamples", .product(name: "Logging", package: "swift-log")]),

        // A process the crash tests kill while it holds environments.
        .executableTarget(name: "testenv-hold", dependencies: ["TestEnvKit"], path: "Tests/Hold"),
        // Many lifecycles against a small server: scripts/stress.sh runs four at once.
        .executableTarget(name: "testenv-stress", dependencies: ["TestEnvKit"], path: "Tests/Stress"),

        // Where the tests find the MariaDB server that scripts/test.sh starts.
        .target(
            name: "TestEnvTestSupport", dependencies: ["TestEnvMySQL", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"),

        .testTarget(name: "TestEnvCoreTests", dependencies: ["TestEnvCore"]),
        .testTarget(name: "TestEnvSQLiteTests", dependencies: ["TestEnvSQLite", "TestEnvTestSupport"]),
        .testTarget(name: "TestEnvMySQLTests", dependencies: ["TestEnvMySQL", "TestEnvTestSupport"]),
        .testTarget(
            name: "TestEnvKitTests",
            dependencies: [
                "TestEnvKitTesting", "TestEnvTestSupport", "testenv", "testenv-hold", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "TestEnvKitXCTests", dependencies: ["TestEnvKitXCTest", "TestEnvTestSupport"]),
        // Application code on GRDB, tested in TestEnvKit environments.
        .testTarget(
            name: "TestEnvGRDBTests",
            dependencies: ["TestEnvKitTesting", "TestEnvTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "TestEnvExamplesTests",
            dependencies: ["TestEnvExamples", "TestEnvKitTesting", "TestEnvTestSupport", "testenv-seeding-bench"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
