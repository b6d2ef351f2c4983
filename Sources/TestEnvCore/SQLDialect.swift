/// The SQL dialect a connection speaks, for code that writes SQL for either backend.
public enum SQLDialect: String, Sendable, Hashable {
    /// MariaDB and MySQL.
    case mysql
    /// SQLite.
    case sqlite

    /// `name` quoted as an identifier: backquotes on MySQL, double quotes on SQLite.
    ///
    /// - Throws: ``InvalidIdentifierError`` unless `name` is a plain identifier (see ``SQLIdentifier``).
    public func quoted(_ name: String) throws -> String {
        let name = try SQLIdentifier.validated(name)
        return self == .mysql ? "`\(name)`" : "\"\(name)\""
    }
}
