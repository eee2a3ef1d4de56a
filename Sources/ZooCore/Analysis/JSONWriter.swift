/// A JSON document whose objects keep their keys in the order they were given, and its
/// deterministic pretty printer.
///
/// ``rendered()`` indents by two spaces per level and writes an array whose elements are all
/// scalars on one line (`[3, 3, 3, 3]`), so that long documents such as a 200-layer report stay
/// readable. Strings are escaped as RFC 8259 requires (quote, backslash and every control
/// character; other Unicode is written as UTF-8). Floats use Swift's shortest round-trip
/// description (`1e-05`); JSON has no NaN or infinity, so non-finite numbers become `null`.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    /// A float32, written with its shortest round-trip description.
    case float(Float)
    /// A float64, written with its shortest round-trip description.
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// An object; members are written in this order. Keys should be unique.
    case object([(key: String, value: JSONValue)])

    /// The pretty-printed document, ending with a newline.
    public func rendered() -> String {
        var text = ""
        write(into: &text, indent: 0)
        text += "\n"
        return text
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var literal = ""
        appendQuoted(text, to: &literal)
        return literal
    }

    /// Whether the value is a number, string, boolean or null.
    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        case .null, .bool, .int, .float, .double, .string: return true
        }
    }

    private static let indentUnit = "  "

    private func write(into text: inout String, indent: Int) {
        switch self {
        case .null:
            text += "null"
        case .bool(let value):
            text += value ? "true" : "false"
        case .int(let value):
            text += String(value)
        case .float(let value):
            text += value.isFinite ? value.description : "null"
        case .double(let value):
            text += value.isFinite ? value.description : "null"
        case .string(let value):
            Self.appendQuoted(value, to: &text)
        case .array(let elements):
            writeArray(elements, into: &text, indent: indent)
        case .object(let members):
            writeObject(members, into: &text, indent: indent)
        }
    }

    private func writeArray(_ elements: [JSONValue], into text: inout String, indent: Int) {
        if elements.isEmpty {
            text += "[]"
        } else if elements.allSatisfy(\.isScalar) {
            text += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { text += ", " }
                element.write(into: &text, indent: indent)
            }
            text += "]"
        } else {
            let inner = String(repeating: Self.indentUnit, count: indent + 1)
            text += "[\n"
            for (position, element) in elements.enumerated() {
                if position > 0 { text += ",\n" }
                text += inner
                element.write(into: &text, indent: indent + 1)
            }
            text += "\n" + String(repeating: Self.indentUnit, count: indent) + "]"
        }
    }

    private func writeObject(_ members: [(key: String, value: JSONValue)], into text: inout String, indent: Int) {
        guard !members.isEmpty else {
            text += "{}"
            return
        }
        let inner = String(repeating: Self.indentUnit, count: indent + 1)
        text += "{\n"
        for (position, member) in members.enumerated() {
            if position > 0 { text += ",\n" }
            text += inner
            Self.appendQuoted(member.key, to: &text)
            text += ": "
            member.value.write(into: &text, indent: indent + 1)
        }
        text += "\n" + String(repeating: Self.indentUnit, count: indent) + "}"
    }

    /// Appends `value` as a string literal: `"` and `\` escaped, control characters as `\n`,
    /// `\t`, ... or `\u00XX`, and U+2028/U+2029 escaped so that the text is also valid JavaScript.
    private static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case "\u{00}"..."\u{1F}", "\u{2028}", "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
