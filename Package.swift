// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "TestEnvKit",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TestEnvKit", targets: ["TestEnvKit"]),
        .library(name: "TestEnvMySQL", targets: ["TestEnvMySQL"]),
        .library(name: "TestEnvSQLite", targets: ["TestEnvSQLite"]),
        .executable(name: "testenv-demo", targets: ["testenv-demo"]),
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

        // What a user imports.
        .target(name: "TestEnvKit", dependencies: ["TestEnvCore", "TestEnvMySQL", "TestEnvSQLite"]),

        // The README's first command.
        .executableTarget(name: "testenv-demo", dependencies: ["TestEnvKit"]),

        .testTarget(name: "TestEnvCoreTests", dependencies: ["TestEnvCore"]),
        .testTarget(name: "TestEnvSQLiteTests", dependencies: ["TestEnvSQLite"]),
        .testTarget(name: "TestEnvMySQLTests", dependencies: ["TestEnvMySQL"]),
    ],
    swiftLanguageModes: [.v6]
)
