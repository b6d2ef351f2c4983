/// Which kind of database an environment uses.
public enum DatabaseBackend: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// SQLite, in memory or in a file: no server needed. The default.
    case sqlite
    /// MariaDB or MySQL, one `test_<uuid>` database per environment.
    case mysql

    public var description: String { rawValue }
}
