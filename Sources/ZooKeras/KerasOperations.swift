import ZooCore

/// How Keras 3's raw operations become IR layers. A functional model built with `x + 3.0` or
/// `keras.ops.multiply(a, b)` records the operation as a node of module `keras.src.ops.numpy`
/// whose `args` mix `__keras_tensor__` entries with Python numbers. zoo reads them by module and
/// registered name (``KerasOpTable/operations``), never by running code:
///
/// - `Add`, `Subtract`, `Multiply`, `Divide`, `TrueDivide` of a tensor and a number: the IR op
///   with a scalar constant operand that is not a stored weight (Keras counts no parameter),
///   first when the number comes first (`3.0 - x`); of two tensors: the IR op with NumPy
///   broadcasting.
/// - `Power` of a tensor to a number: pow by a scalar exponent.
/// - `Negative`, `Sqrt`, `Exp`, `Log`, `Absolute`/`Abs`, `Reciprocal`, `Tanh` of one tensor.
extension KerasImporter {
    /// One positional argument of a raw operation's call.
    enum OperationArgument {
        case tensor(KerasValue)
        case number(Double)
    }

    /// Imports the call `call` (an `inbound_nodes` entry) of the raw operation `layer`.
    func importOperation(_ layer: KerasLayerConfig, call: KerasJSON) throws -> KerasValue {
        let name = layer.name, operation = layer.className
        if let keywords = call["kwargs"].object, !keywords.isEmpty {
            throw ZooError(
                .unsupported,
                "A Keras operation imports from positional arguments only. Received: keyword arguments \(keywords.keys.sorted()) in \(operation) '\(name)'.",
                layer: name)
        }
        let arguments = try call["args"].array().map { try operationArgument($0, layer: name) }
        switch operation {
        case "Add", "Subtract", "Multiply", "Divide", "TrueDivide":
            guard arguments.count == 2 else {
                throw ZooError(.invalidGraph, "Keras \(operation) takes two arguments. Received: \(arguments.count) in '\(name)'.", layer: name)
            }
            return try binaryOperation(operation, arguments[0], arguments[1], layer: name)
        case "Power":
            guard arguments.count == 2, case .tensor(let x) = arguments[0], case .number(let exponent) = arguments[1] else {
                throw ZooError(
                    .unsupported, "Keras Power imports as a tensor to the power of a number. Received: \(describe(arguments)) in '\(name)'.", layer: name)
            }
            return try append(name, .pow(Pow(exponent: Float(exponent))), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        default:
            guard arguments.count == 1, case .tensor(let x) = arguments[0] else {
                throw ZooError(.invalidGraph, "Keras \(operation) takes one tensor. Received: \(describe(arguments)) in '\(name)'.", layer: name)
            }
            let op: Op
            switch operation {
            case "Negative": op = .neg(Neg())
            case "Sqrt": op = .sqrt(Sqrt())
            case "Exp": op = .exp(Exp())
            case "Log": op = .log(Log())
            case "Absolute", "Abs": op = .abs(Abs())
            case "Reciprocal": op = .reciprocal(Reciprocal())
            case "Tanh": op = .tanh(Tanh())
            default:
                throw ZooError(
                    .unsupported,
                    "zoo imports the Keras operations \(KerasOpTable.operations.sorted().joined(separator: ", ")) of \(KerasOpTable.operationModule). Received: \(layer.module ?? "").\(operation) ('\(name)').",
                    layer: name)
            }
            return try append(name, op, inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        }
    }

    /// Keras 2's `TFOpLambda` of a TensorFlow function that ``KerasOpTable/tensorFlowFunctions``
    /// lists, read by that name as its row's activation or operation: `tf.nn.silu(x)` as SiLU,
    /// `tf.math.multiply(x, y)` as Multiply of the call's tensor and its `y` keyword (a tensor
    /// or a number).
    func importTensorFlowFunction(_ layer: KerasLayerConfig, inputs: [KerasValue], call: KerasJSON) throws -> KerasValue {
        let name = layer.name, function = layer.config["function"].optionalString ?? ""
        guard let row = KerasOpTable.tensorFlowFunctions[function], let x = inputs.first else {
            throw ZooError(.unsupported, "zoo reads the TFOpLambda functions `zoo ops` lists. Received: tf.\(function) with \(inputs.count) tensors in '\(name)'.", layer: name)
        }
        if let activation = row.activations.first {
            guard inputs.count == 1, let op = try activationOp(activation, layer: name) else {
                throw ZooError(.invalidGraph, "TFOpLambda tf.\(function) takes one tensor. Received: \(inputs.count) in '\(name)'.", layer: name)
            }
            return try append(name, op, inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        }
        guard let operation = row.operations.first else {
            throw ZooError(.unsupported, "TFOpLambda tf.\(function) has no reading. Received: '\(name)'.", layer: name)
        }
        let keywords = (call.optionalArray ?? []).dropFirst(3).first
        if inputs.count == 2 { return try binaryOperation(operation, .tensor(x), .tensor(inputs[1]), layer: name) }
        guard let y = keywords?["y"], let number = try? y.double() else {
            throw ZooError(
                .unsupported, "TFOpLambda tf.\(function) imports with a tensor or a number as y. Received: \(inputs.count) tensor in '\(name)'.", layer: name)
        }
        return try binaryOperation(operation, .tensor(x), .number(number), layer: name)
    }

    private func binaryOperation(_ operation: String, _ first: OperationArgument, _ second: OperationArgument, layer: String) throws -> KerasValue {
        func op(_ constant: ConstantOperand?) -> Op {
            switch operation {
            case "Add": .add(Add(constant: constant))
            case "Subtract": .sub(Sub(constant: constant))
            case "Multiply": .mul(Mul(constant: constant))
            default: .div(Div(constant: constant))
            }
        }
        switch (first, second) {
        case (.tensor(let x), .number(let number)), (.number(let number), .tensor(let x)):
            let isFirst: Bool
            if case .number = first { isFirst = true } else { isFirst = false }
            let constant = ConstantOperand(try Tensor(shape: [], values: [Float(number)]), isFirst: isFirst, isStored: false)
            return try append(layer, op(constant), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case (.tensor(let a), .tensor(let b)):
            // Same ranks share one layout; NumPy broadcasting of different ranks aligns Keras's own axes.
            let aligned = a.rank == b.rank ? try alignLayouts([a, b], layer: layer) : [try kerasOrder(a, for: layer), try kerasOrder(b, for: layer)]
            return try append(layer, op(nil), inputs: aligned, rank: max(a.rank, b.rank), channelsFirst: aligned[0].channelsFirst && aligned[1].channelsFirst)
        case (.number, .number):
            throw ZooError(.invalidGraph, "A Keras operation node reads at least one tensor. Received: two numbers in \(operation) '\(layer)'.", layer: layer)
        }
    }

    private func operationArgument(_ json: KerasJSON, layer: String) throws -> OperationArgument {
        if json["class_name"].optionalString == "__keras_tensor__" {
            return .tensor(try value(try KerasModelConfig.reference(json["config"]["keras_history"]), for: layer))
        }
        if let number = try? json.double() { return .number(number) }
        // A string, a list or None: the operations zoo reads take tensors and numbers only.
        throw json.mistyped("a tensor or a number (an argument of Keras operation '\(layer)')")
    }

    private func describe(_ arguments: [OperationArgument]) -> String {
        let parts = arguments.map { argument -> String in
            switch argument {
            case .tensor: "a tensor"
            case .number(let number): "the number \(number)"
            }
        }
        return parts.isEmpty ? "no arguments" : parts.joined(separator: ", ")
    }
}
