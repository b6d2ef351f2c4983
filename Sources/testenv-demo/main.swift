// The README's first command runs this: it exercises TestEnvKit on the default backend,
// a private in-memory SQLite database, and prints what it did at each step.
import TestEnvKit

func step(_ text: String) { print("  ✓ \(text)") }

print("TestEnvKit demo — backend: SQLite, in memory (the default; no server needed)")
let db = try await SQLiteConnection.open()
step("opened a private in-memory database")

try await db.executeScript(
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        signed_up TEXT NOT NULL
    );
    """)
step("created table users (id, email, signed_up)")

let signedUp = DatabaseDate(year: 2026, month: 11, day: 23)
let inserted = try await db.run(
    "INSERT INTO users (email, signed_up) VALUES (?, ?), (?, ?), (?, ?)",
    ["ada@example.com", .date(signedUp), "grace@example.com", .date(signedUp), "linus@example.com", .date(signedUp)])
step("inserted \(inserted.affectedRows) rows with one multi-row INSERT and bound parameters")

for row in try await db.all("SELECT id, email, signed_up FROM users ORDER BY id") {
    let id = try row.decode(Int.self, "id")
    let email = try row.decode(String.self, "email")
    let date = try row.decode(DatabaseDate.self, "signed_up")
    step("read back user \(id): \(email), signed up \(date)")
}

do {
    try await db.run("INSERT INTO users (email, signed_up) VALUES (?, ?)", ["ada@example.com", .date(signedUp)])
} catch let error as SQLiteError where error.kind == .uniqueViolation {
    step("a duplicate email was refused as \(error.kind) (SQLite code \(error.code.rawValue))")
}

await db.close()
step("closed the database; an in-memory database leaves nothing behind")
