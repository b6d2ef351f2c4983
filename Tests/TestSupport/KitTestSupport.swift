import Foundation

/// Paths of the project's fixtures and of the shared real-world scripts beside the repository.
public enum FixturePaths {
    /// The repository's root, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `Fixtures/<backend>/schema.sql`.
    public static func exampleSchema(_ backend: String) -> String {
        repositoryRoot.appendingPathComponent("Fixtures/\(backend)/schema.sql").path
    }

    /// `../shared/fixtures/chinook/<file>`, or nil when the shared folder is not beside the repository.
    public static func chinook(_ file: String) -> String? {
        let path = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/chinook/\(file)").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
