import CMariaDB
import TestEnvCore

/// How one result column is fetched and turned into a ``DatabaseValue``.
enum MySQLColumnKind {
    case signed, unsigned, double, decimal, text, json, blob, bit
    case date, time, dateTime, timestamp, null

    init(_ field: MYSQL_FIELD) {
        let isUnsigned = field.flags & UInt32(UNSIGNED_FLAG) != 0
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_INT24, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            self = isUnsigned ? .unsigned : .signed
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE: self = .double
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL: self = .decimal
        case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE: self = .date
        case MYSQL_TYPE_TIME, MYSQL_TYPE_TIME2: self = .time
        case MYSQL_TYPE_DATETIME, MYSQL_TYPE_DATETIME2: self = .dateTime
        case MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_TIMESTAMP2: self = .timestamp
        case MYSQL_TYPE_NULL: self = .null
        case MYSQL_TYPE_BIT: self = .bit
        case MYSQL_TYPE_JSON: self = .json
        case MYSQL_TYPE_GEOMETRY: self = .blob
        default:
            // 63 is the `binary` character set: BINARY, VARBINARY and BLOB columns.
            if field.charsetnr == 63 {
                self = .blob
            } else {
                self = Self.hasJSONFormat(field) ? .json : .text
            }
        }
    }

    /// MariaDB marks its JSON columns (an alias of LONGTEXT) with the extended-metadata format "json".
    private static func hasJSONFormat(_ field: MYSQL_FIELD) -> Bool {
        var field = field
        var attribute = MARIADB_CONST_STRING()
        guard mariadb_field_attr(&attribute, &field, MARIADB_FIELD_ATTR_FORMAT_NAME) == 0, let name = attribute.str else {
            return false
        }
        return String(decoding: UnsafeRawBufferPointer(start: name, count: Int(attribute.length)), as: UTF8.self) == "json"
    }

    /// The buffer type and size to fetch this kind with (variable kinds start small and grow).
    var fetchBuffer: (type: enum_field_types, capacity: Int) {
        switch self {
        case .signed, .unsigned: (MYSQL_TYPE_LONGLONG, 8)
        case .double: (MYSQL_TYPE_DOUBLE, 8)
        case .date: (MYSQL_TYPE_DATE, MemoryLayout<MYSQL_TIME>.size)
        case .time: (MYSQL_TYPE_TIME, MemoryLayout<MYSQL_TIME>.size)
        case .dateTime: (MYSQL_TYPE_DATETIME, MemoryLayout<MYSQL_TIME>.size)
        case .timestamp: (MYSQL_TYPE_TIMESTAMP, MemoryLayout<MYSQL_TIME>.size)
        case .decimal, .text, .json: (MYSQL_TYPE_STRING, 256)
        case .blob, .bit, .null: (MYSQL_TYPE_BLOB, 256)
        }
    }

    var isVariableLength: Bool {
        switch self {
        case .decimal, .text, .json, .blob, .bit, .null: true
        default: false
        }
    }
}

extension MySQLBindBuffer {
    /// Creates the parameter buffers for `values`, in order, copying every value into one arena.
    static func parameters(_ values: [DatabaseValue]) -> MySQLBindBuffer {
        let buffer = MySQLBindBuffer(count: values.count)
        let arena = buffer.reserveArena(byteCount: values.reduce(0) { $0 + storageSize($1) })
        var offset = 0
        for (index, value) in values.enumerated() {
            buffer.bind(value, at: index, storage: arena + offset)
            offset += storageSize(value)
        }
        return buffer
    }

    /// Bytes a value takes in the arena, rounded up to 8 so every value stays aligned.
    private static func storageSize(_ value: DatabaseValue) -> Int {
        let size: Int
        switch value {
        case .null: size = 0
        case .integer, .unsignedInteger, .double: size = 8
        case .text(let text), .json(let text), .decimal(let text): size = text.utf8.count
        case .blob(let bytes): size = bytes.count
        case .date, .time, .dateTime, .timestamp: size = MemoryLayout<MYSQL_TIME>.size
        }
        return (size + 7) & ~7
    }

    private func bind(_ value: DatabaseValue, at index: Int, storage: UnsafeMutableRawPointer) {
        switch value {
        case .null: binds[index].buffer_type = MYSQL_TYPE_NULL
        case .integer(let integer): store(integer, at: index, in: storage, type: MYSQL_TYPE_LONGLONG)
        case .unsignedInteger(let unsigned): store(unsigned, at: index, in: storage, type: MYSQL_TYPE_LONGLONG, isUnsigned: true)
        case .double(let double): store(double, at: index, in: storage, type: MYSQL_TYPE_DOUBLE)
        case .text(let text), .json(let text): copy(text, at: index, in: storage, type: MYSQL_TYPE_STRING)
        case .decimal(let digits): copy(digits, at: index, in: storage, type: MYSQL_TYPE_NEWDECIMAL)
        case .blob(let bytes):
            bytes.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(storage), byteCount: $0.count) }
            point(index, at: storage, byteCount: bytes.count, type: MYSQL_TYPE_BLOB)
        case .date(let date): store(MYSQL_TIME(date), at: index, in: storage, type: MYSQL_TYPE_DATE)
        case .time(let time): store(MYSQL_TIME(time), at: index, in: storage, type: MYSQL_TYPE_TIME)
        case .dateTime(let dateTime): store(MYSQL_TIME(dateTime), at: index, in: storage, type: MYSQL_TYPE_DATETIME)
        case .timestamp(let dateTime): store(MYSQL_TIME(dateTime), at: index, in: storage, type: MYSQL_TYPE_TIMESTAMP)
        }
    }

    private func store<T>(_ value: T, at index: Int, in storage: UnsafeMutableRawPointer, type: enum_field_types, isUnsigned: Bool = false)
    {
        storage.storeBytes(of: value, as: T.self)
        point(index, at: storage, byteCount: MemoryLayout<T>.size, type: type, isUnsigned: isUnsigned)
    }

    private func copy(_ text: String, at index: Int, in storage: UnsafeMutableRawPointer, type: enum_field_types) {
        var text = text
        let count = text.withUTF8 { utf8 in
            if let base = utf8.baseAddress { storage.copyMemory(from: base, byteCount: utf8.count) }
            return utf8.count
        }
        point(index, at: storage, byteCount: count, type: type)
    }

    /// Creates result buffers for `kinds`, one per column.
    static func results(_ kinds: [MySQLColumnKind]) -> MySQLBindBuffer {
        let buffer = MySQLBindBuffer(count: kinds.count)
        for (index, kind) in kinds.enumerated() {
            let (type, capacity) = kind.fetchBuffer
            buffer.allocate(index, type: type, capacity: capacity, isUnsigned: kind == .unsigned)
        }
        return buffer
    }

    /// Reads column `index` of the fetched row; `bytes` supplies variable-length data in full.
    func value(at index: Int, kind: MySQLColumnKind, bytes: () throws -> [UInt8]) rethrows -> DatabaseValue {
        if nulls[index] != 0 { return .null }
        let raw = buffer(index)
        switch kind {
        case .signed: return .integer(raw.load(as: Int64.self))
        case .unsigned:
            let unsigned = raw.load(as: UInt64.self)
            return Int64(exactly: unsigned).map(DatabaseValue.integer) ?? .unsignedInteger(unsigned)
        case .double: return .double(raw.load(as: Double.self))
        case .decimal: return .decimal(String(decoding: try bytes(), as: UTF8.self))
        case .text: return .text(String(decoding: try bytes(), as: UTF8.self))
        case .json: return .json(String(decoding: try bytes(), as: UTF8.self))
        case .blob: return .blob(try bytes())
        case .bit: return .integer(try bytes().reduce(0) { $0 << 8 | Int64($1) })
        case .null: return .null
        case .date: return .date(DatabaseDate(raw.load(as: MYSQL_TIME.self)))
        case .time: return .time(DatabaseTime(raw.load(as: MYSQL_TIME.self)))
        case .dateTime: return .dateTime(DatabaseDateTime(raw.load(as: MYSQL_TIME.self)))
        case .timestamp: return .timestamp(DatabaseDateTime(raw.load(as: MYSQL_TIME.self)))
        }
    }
}

extension MYSQL_TIME {
    init(_ date: DatabaseDate) {
        self.init()
        year = UInt32(clamping: date.year)
        month = UInt32(clamping: date.month)
        day = UInt32(clamping: date.day)
        time_type = MYSQL_TIMESTAMP_DATE
    }

    init(_ time: DatabaseTime) {
        self.init()
        neg = time.isNegative ? 1 : 0
        // The binary protocol sends a TIME's hours as days plus an hour of the day (0...23).
        day = UInt32(clamping: time.hour / 24)
        hour = UInt32(clamping: time.hour % 24)
        minute = UInt32(clamping: time.minute)
        second = UInt32(clamping: time.second)
        second_part = UInt(clamping: time.microsecond)
        time_type = MYSQL_TIMESTAMP_TIME
    }

    init(_ dateTime: DatabaseDateTime) {
        self.init(dateTime.time)
        year = UInt32(clamping: dateTime.date.year)
        month = UInt32(clamping: dateTime.date.month)
        day = UInt32(clamping: dateTime.date.day)
        time_type = MYSQL_TIMESTAMP_DATETIME
    }
}

extension DatabaseDate {
    init(_ time: MYSQL_TIME) {
        self.init(year: Int(time.year), month: Int(time.month), day: Int(time.day))
    }
}

extension DatabaseTime {
    init(_ time: MYSQL_TIME) {
        // A TIME arrives as days plus hours; a DATETIME's day belongs to its date.
        let days = time.time_type == MYSQL_TIMESTAMP_TIME ? Int(time.day) : 0
        self.init(
            isNegative: time.neg != 0, hour: days * 24 + Int(time.hour), minute: Int(time.minute), second: Int(time.second),
            microsecond: Int(time.second_part))
    }
}

extension DatabaseDateTime {
    init(_ time: MYSQL_TIME) {
        self.init(date: DatabaseDate(time), time: DatabaseTime(time))
    }
}
