import ZooCore

/// The few Python literals a `.npy` header is written in: the header is the `repr` of a dict
/// such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, which NumPy reads
/// back with `ast.literal_eval`.
///
/// This parser accepts strings (single or double quotes, simple escapes, an optional `u` or `b`
/// prefix), integers (with Python 2's `L` suffix, as old NumPy wrote shapes), `True`, `False`,
/// `None`, tuples, lists and dicts, nested at most ``maximumDepth`` deep so that a hostile
/// header cannot exhaust the stack. `(3)` is the integer 3 and `(3,)` a tuple, as in Python.
/// Anything else is a `malformedFile` error that names the offending character.
indirect enum PythonLiteral {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    /// How deeply containers may nest.
    static let maximumDepth = 16

    /// Parses `text`, which must hold exactly one literal (surrounding whitespace allowed).
    static func parse(_ text: String) throws -> PythonLiteral {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.scalars.count else { throw parser.error("ends after the literal") }
        return value
    }

    /// The literal written back in Python's `repr` style, for messages.
    var description: String {
        switch self {
        case .string(let text): return "'\(text)'"
        case .integer(let value): return String(value)
        case .bool(let value): return value ? "True" : "False"
        case .none: return "None"
        case .tuple(let items): return items.count == 1 ? "(\(items[0].description),)" : "(\(items.map(\.description).joined(separator: ", ")))"
        case .list(let items): return "[\(items.map(\.description).joined(separator: ", "))]"
        case .dict(let pairs): return "{\(pairs.map { "\($0.key.description): \($0.value.description)" }.joined(separator: ", "))}"
        }
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        func error(_ what: String) -> ZooError {
            let found = position < scalars.count ? "'\(Character(scalars[position]))'" : "the end of the header"
            return ZooError(
                .malformedFile,
                "A .npy header must be a Python literal dict. Received: \(found) at character \(position), where the literal \(what).")
        }

        var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func skipSpace() {
            while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { position += 1 }
        }

        mutating func value(depth: Int) throws -> PythonLiteral {
            guard depth < PythonLiteral.maximumDepth else { throw error("nests deeper than \(PythonLiteral.maximumDepth) levels") }
            skipSpace()
            guard let scalar = current else { throw error("needs a value") }
            switch scalar {
            case "{": return try dict(depth: depth)
            case "(": return try sequence(closing: ")", depth: depth)
            case "[": return try sequence(closing: "]", depth: depth)
            case "'", "\"": return .string(try string())
            case "u", "U", "b", "B":
                if position + 1 < scalars.count, scalars[position + 1] == "'" || scalars[position + 1] == "\"" {
                    position += 1
                    return .string(try string())
                }
                return try word()
            case "-", "+", "0"..."9": return .integer(try integer())
            default: return try word()
            }
        }

        mutating func word() throws -> PythonLiteral {
            let start = position
            while let scalar = current, scalar.properties.isAlphabetic { position += 1 }
            switch String(String.UnicodeScalarView(scalars[start..<position])) {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                position = start
                throw error("needs a string, an integer, True, False, None, a tuple, a list or a dict")
            }
        }

        mutating func integer() throws -> Int {
            let start = position
            var negative = false
            if current == "-" || current == "+" {
                negative = current == "-"
                position += 1
            }
            var value = 0
            var digits = 0
            while let scalar = current, let digit = Int(exactly: scalar.value), (48...57).contains(digit) {
                let (times, overflowMultiply) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowAdd) = times.addingReportingOverflow(digit - 48)
                guard !overflowMultiply, !overflowAdd else {
                    position = start
                    throw error("holds an integer beyond 64 bits")
                }
                value = sum
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw error("needs digits") }
            if current == "L" || current == "l" { position += 1 }
            return negative ? -value : value
        }

        mutating func string() throws -> String {
            guard let quote = current else { throw error("needs a string") }
            position += 1
            var text = String.UnicodeScalarView()
            while true {
                guard let scalar = current else { throw error("leaves a string unterminated") }
                position += 1
                if scalar == quote { return String(text) }
                if scalar == "\n" { throw error("leaves a string unterminated at the end of a line") }
                if scalar == "\\" {
                    guard let escaped = current else { throw error("leaves a string unterminated") }
                    position += 1
                    switch escaped {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    case "r": text.append("\r")
                    case "0": text.append("\0")
                    default: text.append(escaped)
                    }
                } else {
                    text.append(scalar)
                }
            }
        }

        /// A tuple or list; `(x)` without a comma is `x` itself.
        mutating func sequence(closing: Unicode.Scalar, depth: Int) throws -> PythonLiteral {
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipSpace()
                if current == closing {
                    position += 1
                    break
                }
                items.append(try value(depth: depth + 1))
                skipSpace()
                if current == "," {
                    sawComma = true
                    position += 1
                } else if current == closing {
                    position += 1
                    break
                } else {
                    throw error("needs ',' or '\(Character(closing))' in a \(closing == ")" ? "tuple" : "list")")
                }
            }
            if closing == "]" { return .list(items) }
            if items.count == 1 && !sawComma { return items[0] }
            return .tuple(items)
        }

        mutating func dict(depth: Int) throws -> PythonLiteral {
            position += 1
            var pairs: [(key: PythonLiteral, value: PythonLiteral)] = []
            while true {
                skipSpace()
                if current == "}" {
                    position += 1
                    return .dict(pairs)
                }
                let key = try value(depth: depth + 1)
                skipSpace()
                guard current == ":" else { throw error("needs ':' after a dict key") }
                position += 1
                let item = try value(depth: depth + 1)
                pairs.append((key, item))
                skipSpace()
                if current == "," {
                    position += 1
                } else if current != "}" {
                    throw error("needs ',' or '}' in a dict")
                }
            }
        }
    }
}
