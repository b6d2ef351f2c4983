import TestEnvKit

/// Factories for the project's example schema (`Fixtures/*/schema.sql`) and for the
/// ExecutionService tables: copy them as a starting point for your own.
extension Factory {
    /// A merchant with a unique name and empty settings.
    public static let merchant = Factory(
        "merchants",
        [
            "name": .sequence { .text("Merchant \($0)") },
            "settings": .value(.json("{}")),
        ])

    /// A customer with a unique email, belonging to a merchant created for it.
    public static let user = Factory(
        "users",
        [
            "email": .sequence { .text("user\($0)@example.com") },
            "display_name": .sequence { .text("User \($0)") },
            "merchant_id": .association(.merchant),
        ],
        traits: [
            "admin": ["user_type": "admin"],
            "staff": ["user_type": "staff"],
            "suspended": ["status": "suspended"],
            "independent": ["merchant_id": nil],
        ])

    /// An enabled API test case of the ExecutionService, with its script.
    public static let testCase = Factory(
        "Auto_TestCase",
        [
            "name": .sequence { .text("test case \($0)") },
            "type": "api",
            "script_path": .sequence { .text("cases/case_\($0).py") },
        ],
        traits: ["disabled": ["enabled": 0], "ui": ["type": "ui"]])
}

extension Schema {
    /// The example schema, from `Fixtures/` under `root` (the repository's directory).
    public static func example(root: String) -> Schema {
        Schema(mysql: [.file("\(root)/Fixtures/mysql/schema.sql")], sqlite: [.file("\(root)/Fixtures/sqlite/schema.sql")])
    }

    /// The ExecutionService tables, from `Fixtures/` under `root`.
    public static func executionService(root: String) -> Schema {
        Schema(
            mysql: [.file("\(root)/Fixtures/mysql/execution_service.sql")],
            sqlite: [.file("\(root)/Fixtures/sqlite/execution_service.sql")])
    }
}
