import Foundation
import ZooCore

/// A value of a Keras JSON configuration (`model_config`, `config.json`), with accessors that
/// turn a missing or mistyped field into one error naming the layer and the field.
struct KerasJSON {
    let value: Any?
    /// Where the value sits, for messages (`layers[3].config.filters`).
    let path: String

    init(_ value: Any?, path: String) {
        self.value = value
        self.path = path
    }

    /// Parses `text` as JSON.
    static func parse(_ text: String, what: String) throws -> KerasJSON {
        do {
            return KerasJSON(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]), path: what)
        } catch {
            // Foundation's own words say where ("around character 513"); its localized
            // description only that the data is "not in the correct format".
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw ZooError(.malformedFile, "\(what) must be JSON. Received: text that JSON rejects (\(reason)).")
        }
    }

    subscript(key: String) -> KerasJSON {
        KerasJSON((value as? [String: Any])?[key], path: "\(path).\(key)")
    }

    var isNull: Bool { value == nil || value is NSNull }

    var object: [String: Any]? { value as? [String: Any] }

    func array() throws -> [KerasJSON] {
        guard let list = value as? [Any] else { throw mistyped("a list") }
        return list.enumerated().map { KerasJSON($0.element, path: "\(path)[\($0.offset)]") }
    }

    var optionalArray: [KerasJSON]? { try? array() }

    func string() throws -> String {
        guard let text = value as? String else { throw mistyped("a string") }
        return text
    }

    var optionalString: String? { value as? String }

    /// The value as a JSON number (not a boolean, which Foundation also hands out as NSNumber).
    private var number: NSNumber? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        return number
    }

    /// JSON `true`/`false` arrive as NSNumber with the `char` type code ("c"); numbers never do.
    private func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    func int() throws -> Int {
        guard let number, let integer = Int(exactly: number.doubleValue) else { throw mistyped("an integer") }
        return integer
    }

    func double() throws -> Double {
        guard let number, number.doubleValue.isFinite else { throw mistyped("a number") }
        return number.doubleValue
    }

    func bool(default fallback: Bool) throws -> Bool {
        if isNull { return fallback }
        guard let number = value as? NSNumber, isBoolean(number) else { throw mistyped("true or false") }
        return number.boolValue
    }

    /// An integer or a list of integers, repeated to `count` entries (Keras's `3` or `[3, 3]`).
    func ints(count: Int) throws -> [Int] {
        if let single = try? int() { return Array(repeating: single, count: count) }
        let list = try array().map { try $0.int() }
        guard list.count == count else { throw mistyped("\(count) integers") }
        return list
    }

    func mistyped(_ expected: String) -> ZooError {
        ZooError(.malformedFile, "Keras configuration field \(path) must be \(expected). Received: \(describe(value)).")
    }

    private func describe(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "nothing" }
        let text = String(describing: value)
        return text.count > 80 ? String(text.prefix(80)) + "..." : text
    }
}
