import CBLAS
import Foundation
import ZooCore

/// Runs an IR graph on float32 CPU tensors.
///
/// Preparing an executor binds the graph's inputs to concrete shapes, infers every value's shape,
/// optionally fuses conv + batchnorm + activation (``ExecutionOptions/fusing``), builds one kernel
/// per step, and records each value's last use. ``run(_:observe:)`` then evaluates the steps in
/// topological order and frees each value after its last use (graph outputs are kept), so the
/// live memory of a run is the working set, not the sum of all activations.
///
/// Convolutions multiply through zoo's own kernels (``PackedMatrix``, filters packed at
/// preparation), dense layers and matmuls through single-threaded OpenBLAS `sgemm` calls; both
/// cut their products into blocks whose bounds and summation order depend only on the matrix
/// sizes. Those blocks and the other kernels' loops are spread over ``ExecutionOptions/threads``
/// threads in ways that never change the arithmetic, so results are bit-identical for every
/// thread count.
public final class Executor: Sendable {
    /// The graph that runs: the given graph with its inputs bound to concrete shapes.
    public let graph: Graph
    /// Every value's concrete shape.
    public let shapes: [String: [Int]]
    public let options: ExecutionOptions
    private let steps: [Step]
    private let valueNames: [String]
    private let inputSlots: [(name: String, slot: Int)]
    private let outputSlots: [(name: String, slot: Int)]
    private let pool = BufferPool()

    private struct Step: Sendable {
        let layer: String
        let opName: String
        let kernel: any Kernel
        /// The FLOPs of the step's first op (``LayerTiming/flops``).
        let flops: Int
        let inputs: [Int]
        let output: Int
        /// Values whose last use is this step.
        let releases: [Int]
        /// The kernel's overwritable input, when it is a value whose last use is this step and
        /// not a graph input (the run still checks that nothing else holds its storage).
        let overwritable: Int?
    }

    /// Prepares `graph` to run on inputs of the given shapes; inputs not named in `inputShapes`
    /// must have concrete shapes in the graph.
    ///
    /// - Throws: ``ZooError`` when an input shape stays symbolic, a shape rule fails, a weight
    ///   is declared without values (a spec needs ``RandomWeights/instantiate(_:seed:)`` first),
    ///   or the options' instruction set does not run on this machine.
    public init(graph: Graph, inputShapes: [String: [Int]] = [:], options: ExecutionOptions = ExecutionOptions()) throws {
        guard options.instructionSet.isSupported else {
            throw ZooError(
                .unsupported,
                "The executor's instruction set must run on this machine (\(InstructionSet.best) at most). Received: \(options.instructionSet).")
        }
        var bindings: [String: Shape] = [:]
        for (name, shape) in inputShapes { bindings[name] = Shape(shape) }
        // Weights a file declares by value (ONNX ConstantOfShape) are written out only now.
        let bound = try graph.binding(bindings).fillingDeclaredWeights()
        for input in bound.inputs where input.shape.concrete == nil {
            throw ZooError(
                .shapeMismatch,
                "Running a graph needs a concrete shape for every input; give the symbolic dimensions with --input-shape or an input file. Received: input '\(input.name)' \(input.shape).")
        }
        let inferred = try ShapeInference.infer(bound)
        var shapes: [String: [Int]] = [:]
        for (name, shape) in inferred {
            guard let concrete = shape.concrete else {
                throw ZooError(.shapeMismatch, "Every value needs a concrete shape to run. Received: '\(name)' \(shape).", layer: name)
            }
            shapes[name] = concrete
        }
        for layer in bound.layers {
            for weight in layer.op.weights where !weight.tensor.isMaterialized {
                throw ZooError(
                    .missingWeight,
                    "Running a graph needs the values of every weight; a spec gets them from --seed. Received: \(layer.op.name) weight '\(weight.name)' \(weight.tensor.shape) without values.",
                    layer: layer.name)
            }
        }
        self.graph = bound
        self.shapes = shapes
        self.options = options

        let groups = options.fusing ? Fusion.groups(bound, shapes: shapes) : bound.layers.map { FusedLayer(layer: $0) }
        var slots: [String: Int] = [:]
        var names: [String] = []
        func slot(_ name: String) -> Int {
            if let existing = slots[name] { return existing }
            slots[name] = names.count
            names.append(name)
            return names.count - 1
        }
        inputSlots = bound.inputs.map { ($0.name, slot($0.name)) }
        // Slots, last uses and the memory check come from the shapes alone, before any kernel
        // is built (kernels size tables and transform weights from the shapes).
        let planned = groups.map { group in (group: group, inputs: group.layer.inputs.map(slot), output: slot(group.outputName)) }
        outputSlots = bound.outputs.map { ($0.name, slot($0.name)) }
        valueNames = names

        var lastUse = Array(repeating: -1, count: names.count)
        for (index, step) in planned.enumerated() {
            for input in step.inputs { lastUse[input] = index }
        }
        for (_, output) in outputSlots { lastUse[output] = Int.max }
        var releases = Array(repeating: [Int](), count: planned.count)
        for (value, index) in lastUse.enumerated() where index >= 0 && index < planned.count {
            releases[index].append(value)
        }
        // A value nobody reads is released right after the step that makes it.
        for (index, step) in planned.enumerated() where lastUse[step.output] == -1 {
            releases[index].append(step.output)
        }
        try Self.checkFitsInMemory(
            steps: planned.enumerated().map { index, step in (step.group.outputName, step.output, releases[index]) },
            inputs: inputSlots.map(\.slot), names: names, shapes: shapes)
        let graphInputs = Set(inputSlots.map(\.slot))
        steps = try planned.enumerated().map { index, step in
            let layer = step.group.layer
            guard let outputShape = shapes[step.group.outputName] else {
                throw ZooError(.invalidGraph, "Every layer's output needs a shape. Received: none for '\(step.group.outputName)'.", layer: step.group.outputName)
            }
            let kernel: any Kernel, cost: Cost
            do {
                kernel = try KernelFactory.make(
                    layer.op, inputs: layer.inputs.map { shapes[$0] ?? [] }, output: outputShape, epilogue: step.group.epilogue,
                    scaledInput: step.group.inputScale != nil, winograd: options.winograd, instructionSet: options.instructionSet)
                cost = try layer.op.semantics.cost(inputs: layer.inputs.map { Shape(shapes[$0] ?? []) }, output: Shape(outputShape))
            } catch let error as ZooError {
                throw error.at(layer: layer.name)
            }
            let overwritable = kernel.overwritableInput.flatMap { input -> Int? in
                guard input < step.inputs.count else { return nil }
                let slot = step.inputs[input]
                return lastUse[slot] == index && !graphInputs.contains(slot) ? input : nil
            }
            return Step(
                layer: step.group.outputName, opName: step.group.opName, kernel: kernel, flops: cost.flops, inputs: step.inputs,
                output: step.output, releases: releases[index], overwritable: overwritable)
        }
    }

    /// Refuses, before anything is allocated, a run whose values could not fit in the machine's
    /// memory at once (a batch of a million, say): the live bytes of the run are simulated step
    /// by step from the shapes, counting every output as new storage (an upper bound).
    private static func checkFitsInMemory(
        steps: [(layer: String, output: Int, releases: [Int])], inputs: [Int], names: [String], shapes: [String: [Int]]
    ) throws {
        func bytes(_ slot: Int) throws -> Int {
            let count = try Checked.product(shapes[names[slot]] ?? [], "the element count of '\(names[slot])'")
            return try Checked.multiply(count, MemoryLayout<Float>.stride, "the byte size of '\(names[slot])'")
        }
        let memory = ProcessInfo.processInfo.physicalMemory
        var live = try inputs.reduce(0) { try Checked.add($0, try bytes($1), "the live bytes of a run") }
        var peak = live
        for step in steps {
            live = try Checked.add(live, try bytes(step.output), "the live bytes of a run")
            peak = max(peak, live)
            guard UInt64(peak) <= memory else {
                throw ZooError(
                    .unsupported,
                    "A run's values must fit in the machine's memory. Received: \(peak) bytes live at layer '\(step.layer)' \(shapes[names[step.output]] ?? []), \(memory) bytes of memory.",
                    layer: step.layer)
            }
            for slot in step.releases { live -= try bytes(slot) }
        }
    }

    /// Runs the graph on `inputs` (by input name, each of the shape the executor was prepared
    /// for). `observe`, when given, sees every step's output as soon as it is computed, with the
    /// name of the value (the layer's name), and may keep it.
    public func run(_ inputs: [String: Tensor], observe: ((String, Tensor) throws -> Void)? = nil) throws -> ExecutionResult {
        // Kernels split products over the threads themselves (see BLAS).
        openblas_set_num_threads(1)
        var values = [Tensor?](repeating: nil, count: valueNames.count)
        var live = LiveMemory()
        for (name, slot) in inputSlots {
            guard let tensor = inputs[name] else {
                throw ZooError(
                    .shapeMismatch,
                    "Every graph input needs a value. Received: none for '\(name)' (inputs: \(inputSlots.map(\.name).joined(separator: ", "))).")
            }
            guard tensor.shape == shapes[name], tensor.isMaterialized else {
                throw ZooError(
                    .shapeMismatch,
                    "An input's shape must be the one the graph was prepared for. Received: input '\(name)' \(tensor.shape), prepared for \(shapes[name] ?? []).")
            }
            values[slot] = tensor
            live.retain(tensor)
        }
        for name in inputs.keys where !inputSlots.contains(where: { $0.name == name }) {
            throw ZooError(.invalidGraph, "Inputs must name graph inputs (\(inputSlots.map(\.name).joined(separator: ", "))). Received: '\(name)'.")
        }
        let inputStorages = Set(inputs.values.compactMap { $0.storage.map(ObjectIdentifier.init) })
        var timings: [LayerTiming] = []
        for step in steps {
            let arguments = try step.inputs.map { try value(values[$0], $0) }
            var context = KernelContext(threads: options.threads, pool: pool)
            if observe == nil, let input = step.overwritable, let storage = arguments[input].storage, storage.borrowedOwner is PooledBlock,
                live.isSole(storage), !inputStorages.contains(ObjectIdentifier(storage)),
                !arguments.indices.contains(where: { $0 != input && arguments[$0].storage === storage })
            {
                context.overwritable = input
            }
            let start = options.profiling ? DispatchTime.now().uptimeNanoseconds : 0
            let output: Tensor
            do {
                output = try step.kernel.run(arguments, context: context)
            } catch let error as ZooError {
                throw error.at(layer: step.layer)
            }
            if options.profiling {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                timings.append(LayerTiming(layer: step.layer, op: step.opName, kernel: step.kernel.algorithm, flops: step.flops, seconds: seconds))
            }
            values[step.output] = output
            live.retain(output)
            try observe?(step.layer, output)
            for slot in step.releases {
                if let value = values[slot] { live.release(value) }
                values[slot] = nil
            }
        }
        let outputs = try outputSlots.map { (name: $0.name, tensor: try value(values[$0.slot], $0.slot)) }
        return ExecutionResult(outputs: outputs, peakLiveBytes: live.peak, timings: timings)
    }
}

extension Executor {
    /// The value in `slot`, which the topological order guarantees is computed and not yet released.
    private func value(_ tensor: Tensor?, _ slot: Int) throws -> Tensor {
        guard let tensor else {
            throw ZooError(.invalidGraph, "A value must be computed before it is used. Received: '\(valueNames[slot])' used before it was computed or after it was freed.")
        }
        return tensor
    }
}

/// Bytes held by live values, counting a storage shared by several values once.
private struct LiveMemory {
    private var references: [ObjectIdentifier: (bytes: Int, count: Int)] = [:]
    private(set) var current = 0
    private(set) var peak = 0

    mutating func retain(_ tensor: Tensor) {
        guard let storage = tensor.storage else { return }
        let key = ObjectIdentifier(storage)
        if let entry = references[key] {
            references[key] = (entry.bytes, entry.count + 1)
        } else {
            let bytes = storage.buffer.count * MemoryLayout<Float>.stride
            references[key] = (bytes, 1)
            current += bytes
            peak = max(peak, current)
        }
    }

    /// Whether one live value alone holds `storage`.
    func isSole(_ storage: TensorStorage) -> Bool {
        references[ObjectIdentifier(storage)]?.count == 1
    }

    mutating func release(_ tensor: Tensor) {
        guard let storage = tensor.storage, let entry = references[ObjectIdentifier(storage)] else { return }
        if entry.count > 1 {
            references[ObjectIdentifier(storage)] = (entry.bytes, entry.count - 1)
        } else {
            references[ObjectIdentifier(storage)] = nil
            current -= entry.bytes
        }
    }
}
