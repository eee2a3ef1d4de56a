/// The model zoo: the classic networks of the lecture as built-in specs (zoo/*.yaml, embedded
/// in the binary so that they are found however `zoo` is started).
public enum Zoo {
    /// The built-in network names, sorted.
    public static var names: [String] { BuiltinSpecs.files.map(\.name) }

    /// The YAML text of a built-in spec.
    public static func specText(named name: String) -> String? {
        BuiltinSpecs.files.first { $0.name == name }?.text
    }

    /// Loads the built-in spec `name`; errors point at `zoo/<name>.yaml`.
    public static func model(named name: String, inputShapes: [String: Shape] = [:]) throws -> Model {
        guard let text = specText(named: name) else {
            let hint = closestMatch(to: name, in: names).map { " Did you mean '\($0)'?" } ?? ""
            throw ZooError(
                .invalidGraph, "A network must be one of the zoo's (\(names.joined(separator: ", "))) or a file. Received: '\(name)'.\(hint)")
        }
        return try Spec.parse(text, file: "zoo/\(name).yaml", inputShapes: inputShapes)
    }
}
