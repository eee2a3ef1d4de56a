/// The one error type of zoo.
///
/// Every failure carries a ``Kind``, a one-sentence `message` that states the rule that was
/// broken and then the values ("... Received: input [1, 3, 32, 32], kernel [8, 4, 3, 3]."), and
/// where it happened: the file, line, layer or node. The command-line tool prints
/// ``description`` and exits with status 2 for every kind but ``Kind/mismatch`` (status 1).
public struct ZooError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What class of failure this is; scripts and tests match on it.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file is not a well-formed model, spec or tensor file.
        case malformedFile
        /// The input is well formed but uses something zoo does not support.
        case unsupported
        /// The graph breaks a structural rule: duplicate or undefined names, a cycle, a bad attribute.
        case invalidGraph
        /// Shapes that an op cannot accept.
        case shapeMismatch
        /// A weight the model needs is absent.
        case missingWeight
        /// Two models or tensors disagree beyond the tolerance.
        case mismatch
        /// Reading or writing a file failed.
        case io
        /// The command line is wrong whatever the model: an option's value out of range or
        /// malformed, or options that do not go together.
        case usage
    }

    public var kind: Kind
    /// The rule and then the values, as one sentence or two.
    public var message: String
    /// The layer (an IR value name) the error concerns, if any.
    public var layer: String?
    /// The file the error concerns, if any.
    public var file: String?
    /// The 1-based line in `file`, if known.
    public var line: Int?

    public init(_ kind: Kind, _ message: String, layer: String? = nil, file: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.layer = layer
        self.file = file
        self.line = line
    }

    /// The error with `layer` filled in unless it already names one (an empty name, which
    /// identifies nothing, is not filled in).
    public func at(layer name: String) -> ZooError {
        var copy = self
        if copy.layer == nil, !name.isEmpty { copy.layer = name }
        return copy
    }

    /// The error with `file` and `line` filled in unless it already names a file.
    public func inFile(_ path: String, line: Int? = nil) -> ZooError {
        var copy = self
        if copy.file == nil {
            copy.file = path
            copy.line = line
        } else if copy.file == path, copy.line == nil {
            copy.line = line
        }
        return copy
    }

    /// `file:line: layer 'name': message`, the parts that are known.
    public var description: String {
        var prefix = ""
        if let file {
            prefix += file
            if let line { prefix += ":\(line)" }
            prefix += ": "
        }
        if let layer { prefix += "layer '\(layer)': " }
        return prefix + message
    }
}
