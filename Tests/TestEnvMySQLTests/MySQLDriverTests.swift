import Testing

/// All MySQL driver tests, run one at a time: one of them lowers the server's global
/// `max_connections` for a moment to provoke error 1040, which must not hit a neighbour.
@Suite(.mysqlServer, .serialized) struct MySQLDriverTests {}
