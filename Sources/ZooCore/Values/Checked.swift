import Foundation
/// Overflow-checked integer arithmetic for sizes and counts that come from files.
///
/// Dimensions, element counts, MACs and byte sizes are products of numbers a model file or a
/// spec chose; they go through these functions so that a hostile file yields a
/// ``ZooError`` instead of a trap.
public enum Checked {
    /// `a * b`, or a `shapeMismatch` error naming `what` when it does not fit in `Int`.
    @inlinable
    public static func multiply(_ a: Int, _ b: Int, _ what: @autoclosure () -> String = "a size") throws(ZooError) -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { throw overflowError(what(), a, "*", b) }
        return value
    }

    /// `a + b`, or an error when it does not fit in `Int`.
    @inlinable
    public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String = "a size") throws(ZooError) -> Int {
        let (value, overflow) = a.addingReportingOverflow(b)
        if overflow { throw overflowError(what(), a, "+", b) }
        return value
    }

    /// `a - b`, or an error when it does not fit in `Int`.
    @inlinable
    public static func subtract(_ a: Int, _ b: Int, _ what: @autoclosure () -> String = "a size") throws(ZooError) -> Int {
        let (value, overflow) = a.subtractingReportingOverflow(b)
        if overflow { throw overflowError(what(), a, "-", b) }
        return value
    }

    /// The product of `values` (1 when empty), checked at every step.
    @inlinable
    public static func product<S: Sequence>(_ values: S, _ what: @autoclosure () -> String = "a size") throws(ZooError) -> Int where S.Element == Int {
        var result = 1
        for value in values { result = try multiply(result, value, what()) }
        return result
    }

    /// The sum of `values` (0 when empty), checked at every step.
    @inlinable
    public static func sum<S: Sequence>(_ values: S, _ what: @autoclosure () -> String = "a size") throws(ZooError) -> Int where S.Element == Int {
        var result = 0
        for value in values { result = try add(result, value, what()) }
        return result
    }

    @usableFromInline
    static func overflowError(_ what: String, _ a: Int, _ op: String, _ b: Int) -> ZooError {
        ZooError(.shapeMismatch, "\(what) must fit in a 64-bit integer. Received: \(a) \(op) \(b).")
    }
}

extension Checked {
    /// Throws when `bytes` exceed the machine's physical memory: an allocation that size could
    /// only fail, and Swift's allocator stops the process when one does.
    public static func fitsInMemory(_ bytes: Int, _ what: @autoclosure () -> String) throws(ZooError) {
        let memory = ProcessInfo.processInfo.physicalMemory
        guard bytes >= 0, UInt64(bytes) <= memory else {
            throw ZooError(.unsupported, "\(what()) must fit in the machine's memory. Received: \(bytes) bytes, \(memory) bytes of memory.")
        }
    }
}
