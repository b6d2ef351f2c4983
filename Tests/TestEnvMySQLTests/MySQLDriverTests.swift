import TestEnvTestSupport
import Testing

/// All MySQL driver tests: they need the server scripts/test.sh starts.
@Suite(.mysqlServer) struct MySQLDriverTests {}
