import CMariaDB

/// An array of `MYSQL_BIND` structs and the memory they point into, alive for one execution.
///
/// libmariadb reads parameters from, and writes results into, memory the caller owns; this type
/// owns all of it and frees it on deinit, so no pointer outlives the statement call.
final class MySQLBindBuffer {
    let count: Int
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    let lengths: UnsafeMutablePointer<UInt>
    let nulls: UnsafeMutablePointer<my_bool>
    let errors: UnsafeMutablePointer<my_bool>
    private var buffers: [UnsafeMutableRawPointer?]
    /// One allocation holding every parameter's bytes (see ``parameters(_:)``).
    private var arena: UnsafeMutableRawPointer?

    init(count: Int) {
        self.count = count
        binds = .allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(count, 1))
        lengths = .allocate(capacity: max(count, 1))
        lengths.initialize(repeating: 0, count: max(count, 1))
        nulls = .allocate(capacity: max(count, 1))
        nulls.initialize(repeating: 0, count: max(count, 1))
        errors = .allocate(capacity: max(count, 1))
        errors.initialize(repeating: 0, count: max(count, 1))
        buffers = Array(repeating: nil, count: count)
        for index in 0..<count {
            binds[index].length = lengths + index
            binds[index].is_null = nulls + index
            binds[index].error = errors + index
        }
    }

    deinit {
        arena?.deallocate()
        buffers.forEach { $0?.deallocate() }
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
    }

    /// Gives column or parameter `index` a buffer of `capacity` bytes and returns it.
    @discardableResult
    func allocate(_ index: Int, type: enum_field_types, capacity: Int, isUnsigned: Bool = false) -> UnsafeMutableRawPointer {
        buffers[index]?.deallocate()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
        buffers[index] = buffer
        binds[index].buffer = buffer
        binds[index].buffer_length = UInt(capacity)
        binds[index].buffer_type = type
        binds[index].is_unsigned = isUnsigned ? 1 : 0
        lengths[index] = UInt(capacity)
        return buffer
    }

    /// Reserves one block of `byteCount` bytes for all parameters, replacing one allocation per value.
    func reserveArena(byteCount: Int) -> UnsafeMutableRawPointer {
        arena?.deallocate()
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
        arena = block
        return block
    }

    /// Points parameter `index` at `byteCount` bytes of the arena at `storage`.
    func point(_ index: Int, at storage: UnsafeMutableRawPointer, byteCount: Int, type: enum_field_types, isUnsigned: Bool = false) {
        binds[index].buffer = storage
        binds[index].buffer_length = UInt(byteCount)
        binds[index].buffer_type = type
        binds[index].is_unsigned = isUnsigned ? 1 : 0
        lengths[index] = UInt(byteCount)
    }

    /// The buffer of column `index`.
    func buffer(_ index: Int) -> UnsafeMutableRawPointer { binds[index].buffer }
}
