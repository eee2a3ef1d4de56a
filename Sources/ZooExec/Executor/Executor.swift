import CBLAS
import Foundation
import ZooCore

/// Runs an IR graph on float32 CPU tensors.
///
/// Preparing an executor binds the graph's inputs to concrete shapes, infers every value's shape,
/// optionally fuses conv + batchnorm + activation (``ExecutionOptions/fusing``), builds one kernel
/// per step, and records each value's last use. ``run(_:observe:)`` then evaluates the steps in
/// topological order and frees each value after its last use (graph outputs are kept), so the
/// live memory of a run is the working set, not the sum of all activations. A batch whose images
/// no step mixes runs image by image (``ImageSplit``), its images spread over the threads.
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
    /// The batch size when the batch runs image by image (``ImageSplit``: the steps' kernels are
    /// built for one image), else 1.
    private let images: Int
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

    /// OpenBLAS single-threaded and its threads stopped, once per process (before the first
    /// executor packs its weights over zoo's threads): see `zoo_blas_single_threaded`.
    private static let singleThreadedBLAS: Void = zoo_blas_single_threaded()

    /// Prepares `graph` to run on inputs of the given shapes; inputs not named in `inputShapes`
    /// must have concrete shapes in the graph.
    ///
    /// - Throws: ``ZooError`` when an input shape stays symbolic, a shape rule fails, a weight
    ///   is declared without values (a spec needs ``RandomWeights/instantiate(_:seed:)`` first),
    ///   or the options' instruction set does not run on this machine.
    public init(graph: Graph, inputShapes: [String: [Int]] = [:], options: ExecutionOptions = ExecutionOptions()) throws {
        Self.singleThreadedBLAS
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
        // The kernels are built for the graph they run: one image's when the batch splits.
        let split = ImageSplit(bound, shapes: shapes)
        let planned = split?.graph ?? bound, plannedShapes = split?.shapes ?? shapes
        images = split?.images ?? 1

        let groups = options.fusing ? Fusion.groups(planned, shapes: plannedShapes, instructionSet: options.instructionSet) : planned.layers.map { FusedLayer(layer: $0) }
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
        let plan = groups.map { group in (group: group, inputs: group.layer.inputs.map(slot), output: slot(group.outputName)) }
        outputSlots = bound.outputs.map { ($0.name, slot($0.name)) }
        valueNames = names

        var lastUse = Array(repeating: -1, count: names.count)
        for (index, step) in plan.enumerated() {
            for input in step.inputs { lastUse[input] = index }
        }
        for (_, output) in outputSlots { lastUse[output] = Int.max }
        var releases = Array(repeating: [Int](), count: plan.count)
        for (value, index) in lastUse.enumerated() where index >= 0 && index < plan.count {
            releases[index].append(value)
        }
        // A value nobody reads is released right after the step that makes it.
        for (index, step) in plan.enumerated() where lastUse[step.output] == -1 {
            releases[index].append(step.output)
        }
        try Self.checkFitsInMemory(
            steps: plan.enumerated().map { index, step in (step.group.outputName, step.output, releases[index]) },
            inputs: inputSlots.map(\.slot), names: names, shapes: shapes)
        let graphInputs = Set(inputSlots.map(\.slot))
        steps = try plan.enumerated().map { index, step in
            let layer = step.group.layer
            guard let outputShape = plannedShapes[step.group.outputName], let batchShape = shapes[step.group.outputName] else {
                throw ZooError(.invalidGraph, "Every layer's output needs a shape. Received: none for '\(step.group.outputName)'.", layer: step.group.outputName)
            }
            let kernel: any Kernel, cost: Cost
            do {
                if let depthwise = step.group.depthwise, case .conv(let pointwise) = layer.op, case .conv(let depthwiseConv) = depthwise.layer.op {
                    let isa = options.instructionSet
                    kernel = try PointwiseDepthwiseKernel(
                        pointwise: pointwise, pointwiseActivation: step.group.epilogue?.running(on: isa).stored ?? .none, depthwise: depthwiseConv,
                        depthwiseActivation: depthwise.epilogue?.running(on: isa).stored ?? .none, input: plannedShapes[layer.inputs[0]] ?? [],
                        output: outputShape, instructionSet: isa)
                    // The FLOPs of the whole batch, both convolutions'.
                    guard let middle = shapes[layer.name] else {
                        throw ZooError(.invalidGraph, "Every layer's output needs a shape. Received: none for '\(layer.name)'.", layer: layer.name)
                    }
                    let first = try layer.op.semantics.cost(inputs: [Shape(shapes[layer.inputs[0]] ?? [])], output: Shape(middle))
                    let second = try depthwise.layer.op.semantics.cost(inputs: [Shape(middle)], output: Shape(batchShape))
                    cost = Cost(
                        macs: try Checked.add(first.macs, second.macs, "the MACs of \(step.group.opName)"),
                        flops: try Checked.add(first.flops, second.flops, "the FLOPs of \(step.group.opName)"))
                } else {
                    kernel = try KernelFactory.make(
                        layer.op, inputs: layer.inputs.map { plannedShapes[$0] ?? [] }, output: outputShape, epilogue: step.group.epilogue,
                        scaledInput: step.group.inputScale != nil, winograd: options.winograd, instructionSet: options.instructionSet)
                    // The FLOPs of the whole batch.
                    cost = try layer.op.semantics.cost(inputs: layer.inputs.map { Shape(shapes[$0] ?? []) }, output: Shape(batchShape))
                }
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
    ///
    /// A batch that runs image by image (``ImageSplit``) runs each image through every step, the
    /// images spread over the threads (each image's steps on `threads / images` threads, at
    /// least one); profiling, the images run one after another on all the threads, so that a
    /// step's time is its own (the sum over the images); with `observe`, every step runs on each
    /// image in turn, so that the observer sees the whole batch's value.
    public func run(_ inputs: [String: Tensor], observe: ((String, Tensor) throws -> Void)? = nil) throws -> ExecutionResult {
        // Kernels split products over the threads themselves (see BLAS).
        Self.singleThreadedBLAS
        var given: [(slot: Int, tensor: Tensor)] = []
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
            given.append((slot, tensor))
        }
        for name in inputs.keys where !inputSlots.contains(where: { $0.name == name }) {
            throw ZooError(.invalidGraph, "Inputs must name graph inputs (\(inputSlots.map(\.name).joined(separator: ", "))). Received: '\(name)'.")
        }
        let protected = Set(given.compactMap { $0.tensor.storage.map(ObjectIdentifier.init) })
        var timings: [LayerTiming] = []
        if images == 1 {
            var values = [Tensor?](repeating: nil, count: valueNames.count)
            var live = LiveMemory()
            for (slot, tensor) in given {
                values[slot] = tensor
                live.retain(tensor)
            }
            try runSteps(&values, live: &live, threads: options.threads, protected: protected, timings: &timings, observe: observe)
            let outputs = try outputSlots.map { (name: $0.name, tensor: try value(values[$0.slot], $0.slot)) }
            return ExecutionResult(outputs: outputs, peakLiveBytes: live.peak, timings: timings)
        }
        let slices = try given.map { try (slot: $0.slot, images: (0..<images).map(Self.slicing($0.tensor, images: images))) }
        let batchBytes = given.reduce(0) { $0 + $1.tensor.count * MemoryLayout<Float>.stride }
        if let observe {
            // Step by step, each image in turn (every image's values live, as in a whole batch).
            var values = Array(repeating: [Tensor?](repeating: nil, count: valueNames.count), count: images)
            var live = LiveMemory()
            for (slot, perImage) in slices {
                for image in 0..<images { values[image][slot] = perImage[image] }
            }
            for (index, step) in steps.enumerated() {
                var outputs: [Tensor] = []
                for image in 0..<images {
                    let (output, seconds) = try perform(step, &values[image], live: live, threads: options.threads, protected: protected, overwriting: false)
                    record(index, seconds: seconds, in: &timings)
                    values[image][step.output] = output
                    live.retain(output)
                    outputs.append(output)
                }
                try observe(step.layer, try Self.joining(outputs, shape: shapes[step.layer] ?? []))
                for image in 0..<images { release(step, &values[image], live: &live) }
            }
            let outputs = try outputSlots.map { slot in
                (name: slot.name, tensor: try Self.joining(try values.map { try value($0[slot.slot], slot.slot) }, shape: shapes[slot.name] ?? []))
            }
            return ExecutionResult(outputs: outputs, peakLiveBytes: batchBytes + live.peak, timings: timings)
        }
        // Image by image, the images spread over the threads (profiling, one after another).
        let workers = options.profiling ? 1 : min(options.threads, images), threadsEach = max(options.threads / workers, 1)
        let results = ImageResults(images: images, workers: workers)
        Parallel.forEachChunk(images, threads: workers) { range, worker in
            // Each worker's own timings, summed over its images (profiling runs one worker).
            var workerTimings: [LayerTiming] = []
            for image in range {
                var values = [Tensor?](repeating: nil, count: valueNames.count)
                var live = LiveMemory()
                for (slot, perImage) in slices { values[slot] = perImage[image] }
                do {
                    try runSteps(&values, live: &live, threads: threadsEach, protected: protected, timings: &workerTimings, observe: nil)
                    results.finish(image, outputs: try outputSlots.map { try value(values[$0.slot], $0.slot) }, peak: live.peak, worker: worker)
                } catch {
                    results.fail(error)
                    return
                }
            }
            results.keep(workerTimings)
        }
        let outputs = try results.outputs()
        let joined = try outputSlots.enumerated().map { index, slot in
            (name: slot.name, tensor: try Self.joining(outputs.map { $0[index] }, shape: shapes[slot.name] ?? []))
        }
        let outputBytes = joined.reduce(0) { $0 + $1.tensor.count * MemoryLayout<Float>.stride }
        return ExecutionResult(outputs: joined, peakLiveBytes: batchBytes + outputBytes + results.peakBytes, timings: results.timings)
    }

    /// Runs every step on `values` (the graph inputs' slots filled) on `threads` threads: each
    /// output stored, counted in `live`, shown to `observe`, then the values past their last use
    /// freed; each step's seconds added to `timings` when profiling.
    private func runSteps(
        _ values: inout [Tensor?], live: inout LiveMemory, threads: Int, protected: Set<ObjectIdentifier>, timings: inout [LayerTiming],
        observe: ((String, Tensor) throws -> Void)?
    ) throws {
        for (index, step) in steps.enumerated() {
            let (output, seconds) = try perform(step, &values, live: live, threads: threads, protected: protected, overwriting: observe == nil)
            record(index, seconds: seconds, in: &timings)
            values[step.output] = output
            live.retain(output)
            try observe?(step.layer, output)
            release(step, &values, live: &live)
        }
    }

    /// Runs `step` on its inputs in `values`, with the step's overwritable input given to the
    /// kernel when `overwriting` and nothing else holds it (not a graph input, in `protected`):
    /// the output and, when profiling, the seconds it took.
    private func perform(
        _ step: Step, _ values: inout [Tensor?], live: LiveMemory, threads: Int, protected: Set<ObjectIdentifier>, overwriting: Bool
    ) throws -> (output: Tensor, seconds: Double) {
        let arguments = try step.inputs.map { try value(values[$0], $0) }
        var context = KernelContext(threads: threads, pool: pool)
        if overwriting, let input = step.overwritable, let storage = arguments[input].storage, storage.borrowedOwner is PooledBlock,
            live.isSole(storage), !protected.contains(ObjectIdentifier(storage)),
            !arguments.indices.contains(where: { $0 != input && arguments[$0].storage === storage })
        {
            context.overwritable = input
        }
        let start = options.profiling ? DispatchTime.now().uptimeNanoseconds : 0
        do {
            let output = try step.kernel.run(arguments, context: context)
            return (output, options.profiling ? Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 : 0)
        } catch let error as ZooError {
            throw error.at(layer: step.layer)
        }
    }

    /// Adds a step's seconds to its timing (a batch run image by image adds each image's).
    private func record(_ index: Int, seconds: Double, in timings: inout [LayerTiming]) {
        guard options.profiling else { return }
        if index < timings.count {
            timings[index].seconds += seconds
        } else {
            let step = steps[index]
            timings.append(LayerTiming(layer: step.layer, op: step.opName, kernel: step.kernel.algorithm, flops: step.flops, seconds: seconds))
        }
    }

    /// Frees the values whose last use is `step`.
    private func release(_ step: Step, _ values: inout [Tensor?], live: inout LiveMemory) {
        for slot in step.releases {
            if let value = values[slot] { live.release(value) }
            values[slot] = nil
        }
    }

    /// Image `image` of a batch tensor of `images` images (axis 0), sharing its storage.
    private static func slicing(_ tensor: Tensor, images: Int) -> (Int) throws -> Tensor {
        { image in
            guard let storage = tensor.storage else { return tensor }
            let count = tensor.count / images
            let buffer = UnsafeBufferPointer(rebasing: storage.buffer[(image * count)..<((image + 1) * count)])
            return try Tensor(shape: [1] + tensor.shape.dropFirst(), storage: TensorStorage(borrowing: buffer, keepingAlive: storage))
        }
    }

    /// The images' tensors joined along axis 0, in order, into a tensor of `shape`.
    private static func joining(_ parts: [Tensor], shape: [Int]) throws -> Tensor {
        let count = parts.reduce(0) { $0 + $1.count }
        let storage = try TensorStorage(count: count) { buffer in
            var at = 0
            for part in parts {
                if let source = part.storage?.buffer {
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[at..<(at + part.count)]).initialize(from: source)
                } else {
                    UnsafeMutableBufferPointer(rebasing: buffer[at..<(at + part.count)]).initialize(repeating: part.fill ?? 0)
                }
                at += part.count
            }
        }
        return try Tensor(shape: shape, storage: storage)
    }
}

/// What the images of a batch run side by side produced: each image's outputs, each worker's
/// largest live bytes, and the first error.
private final class ImageResults: @unchecked Sendable {
    private let lock = NSLock()
    private var perImage: [[Tensor]?]
    private var peaks: [Int]
    private var failure: (any Error)?
    private var kept: [LayerTiming] = []

    init(images: Int, workers: Int) {
        perImage = Array(repeating: nil, count: images)
        peaks = Array(repeating: 0, count: workers)
    }

    func finish(_ image: Int, outputs: [Tensor], peak: Int, worker: Int) {
        lock.lock()
        defer { lock.unlock() }
        perImage[image] = outputs
        peaks[worker] = max(peaks[worker], peak)
    }

    func fail(_ error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil { failure = error }
    }

    /// A worker's timings (profiling runs one worker, so there is one set).
    func keep(_ timings: [LayerTiming]) {
        lock.lock()
        defer { lock.unlock() }
        if !timings.isEmpty { kept = timings }
    }

    var timings: [LayerTiming] {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }

    /// The sum of the workers' peaks: the most the images running at once held.
    var peakBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return peaks.reduce(0, +)
    }

    /// Every image's outputs, or the first error.
    func outputs() throws -> [[Tensor]] {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        return try perImage.enumerated().map { image, outputs in
            guard let outputs else {
                throw ZooError(.invalidGraph, "Every image of a batch must be run. Received: image \(image) of \(perImage.count) without outputs.")
            }
            return outputs
        }
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
