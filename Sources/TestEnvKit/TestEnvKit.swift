// TestEnvKit is the module test code imports. It re-exports the shared vocabulary and both
// drivers, so `import TestEnvKit` is enough to open, query and close either kind of database.
@_exported import TestEnvCore
@_exported import TestEnvMySQL
@_exported import TestEnvSQLite
