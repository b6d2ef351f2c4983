/// Validation of identifiers that must be written into SQL text because they cannot be bound.
///
/// Only plain names pass; everything else is refused rather than quoted, so no caller-provided
/// text can change a statement's meaning.
///
/// ```swift
/// let name = try SQLIdentifier.validated("before_import")   // "before_import"
/// ```
public enum SQLIdentifier {
    /// Returns `name` when it is `[A-Za-z_][A-Za-z0-9_]*` and at most 64 characters long.
    ///
    /// - Throws: ``InvalidIdentifierError`` otherwise.
    public static func validated(_ name: String) throws -> String {
        let ascii = Array(name.utf8)
        let isLetter: (UInt8) -> Bool = { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }
        let isDigit: (UInt8) -> Bool = { $0 >= 48 && $0 <= 57 }
        guard let first = ascii.first, ascii.count <= 64, isLetter(first),
            ascii.allSatisfy({ isLetter($0) || isDigit($0) })
        else { throw InvalidIdentifierError(identifier: name) }
        return name
    }
}

/// An identifier that would have been written into SQL text is not a plain name.
public struct InvalidIdentifierError: DatabaseDriverError, Hashable {
    /// The refused identifier.
    public let identifier: String

    /// Creates the error.
    public init(identifier: String) { self.identifier = identifier }

    public var kind: DatabaseErrorKind { .invalidArgument }
    public var nativeCode: Int { 0 }
    public var message: String { description }
    public var sql: String? { nil }

    public var description: String {
        "refused identifier \(String(reflecting: identifier)): use 1 to 64 letters, digits or underscores, starting with a letter or underscore"
    }
}
