import Testing
import ZooCore

@Suite("Graph validation, ordering, binding and shape inference")
struct GraphTests {
    private let relu = Op.relu(Relu())
    private let x = GraphInput(name: "x", shape: ["N", 3, 8, 8])

    @Test("duplicate value names are refused")
    func duplicateNames() {
        OpTestKit.expectError(.invalidGraph, mentioning: ["unique", "'a'"]) {
            _ = try Graph(
                inputs: [x], layers: [Layer("a", relu, inputs: ["x"]), Layer("a", relu, inputs: ["x"])],
                outputs: [GraphOutput(name: "a")])
        }
        // a layer may not reuse a graph input's name.
        OpTestKit.expectError(.invalidGraph, mentioning: ["unique", "'x'"]) {
            _ = try Graph(inputs: [x], layers: [Layer("x", relu, inputs: ["x"])], outputs: [GraphOutput(name: "x")])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["unique", "'x'"]) {
            _ = try Graph(inputs: [x, x], layers: [Layer("a", relu, inputs: ["x"])], outputs: [GraphOutput(name: "a")])
        }
    }

    @Test("an undefined input is refused and names the input and the layer")
    func undefinedInput() {
        let error = OpTestKit.expectError(.invalidGraph, mentioning: ["graph input or an earlier layer", "'ghost'"]) {
            _ = try Graph(inputs: [x], layers: [Layer("a", relu, inputs: ["ghost"])], outputs: [GraphOutput(name: "a")])
        }
        #expect(error?.layer == "a")
        // Graph.sorting cannot invent it either.
        OpTestKit.expectError(.invalidGraph, mentioning: ["'ghost'"]) {
            _ = try Graph.sorting(inputs: [x], layers: [Layer("a", relu, inputs: ["ghost"])], outputs: [GraphOutput(name: "a")])
        }
    }

    @Test("layers out of order are refused by the plain initializer")
    func outOfOrder() {
        OpTestKit.expectError(.invalidGraph, mentioning: ["defined before the layer", "'b'"]) {
            _ = try Graph(
                inputs: [x], layers: [Layer("a", relu, inputs: ["b"]), Layer("b", relu, inputs: ["x"])],
                outputs: [GraphOutput(name: "a")])
        }
    }

    @Test("Graph.sorting reports a cycle with the names of the layers on it, and only those")
    func cycle() {
        // stem is not on the cycle c1 -> c3 -> c2 -> c1 (each takes the next as input).
        let layers = [
            Layer("stem", relu, inputs: ["x"]),
            Layer("c1", .add(Add()), inputs: ["stem", "c3"]),
            Layer("c2", relu, inputs: ["c1"]),
            Layer("c3", relu, inputs: ["c2"]),
            Layer("head", relu, inputs: ["c3"]),
        ]
        let error = OpTestKit.expectError(.invalidGraph, mentioning: ["cycle", "'c1'", "'c2'", "'c3'"]) {
            _ = try Graph.sorting(inputs: [x], layers: layers, outputs: [GraphOutput(name: "head")])
        }
        #expect(error?.message.contains("'stem'") == false)
        #expect(error?.message.contains("'head'") == false)
        // a self-loop.
        OpTestKit.expectError(.invalidGraph, mentioning: ["cycle", "'self'"]) {
            _ = try Graph.sorting(inputs: [x], layers: [Layer("self", .add(Add()), inputs: ["x", "self"])], outputs: [GraphOutput(name: "self")])
        }
    }

    @Test("Graph.sorting keeps an ordered list and orders an unordered one")
    func sorting() throws {
        let ordered = [
            Layer("p", relu, inputs: ["x"]),
            Layer("q", relu, inputs: ["x"]),
            Layer("r", .add(Add()), inputs: ["q", "p"]),
            Layer("s", relu, inputs: ["x"]),
            Layer("t", .add(Add()), inputs: ["r", "s"]),
        ]
        let graph = try Graph.sorting(inputs: [x], layers: ordered, outputs: [GraphOutput(name: "t")])
        #expect(graph.layers.map(\.name) == ["p", "q", "r", "s", "t"])
        #expect(graph == (try Graph(inputs: [x], layers: ordered, outputs: [GraphOutput(name: "t")])))
        // reversed: every layer still comes after its inputs.
        let sorted = try Graph.sorting(inputs: [x], layers: ordered.reversed(), outputs: [GraphOutput(name: "t")])
        let position = Dictionary(uniqueKeysWithValues: sorted.layers.enumerated().map { ($0.element.name, $0.offset) })
        for layer in sorted.layers {
            for input in layer.inputs where input != "x" { #expect(position[input]! < position[layer.name]!) }
        }
        #expect(Set(sorted.layers.map(\.name)) == ["p", "q", "r", "s", "t"])
        #expect(sorted.position(of: "t") == 4)
        #expect(sorted.layer(named: "r")?.inputs == ["q", "p"])
    }

    @Test("wrong arity names the op, the rule and the count")
    func arity() throws {
        let one = OpTestKit.expectError(.invalidGraph, mentioning: ["add", "at least 2", "Received: 1"]) {
            _ = try Graph(inputs: [x], layers: [Layer("a", .add(Add()), inputs: ["x"])], outputs: [GraphOutput(name: "a")])
        }
        #expect(one?.layer == "a")
        OpTestKit.expectError(.invalidGraph, mentioning: ["conv", "1 input", "Received: 2"]) {
            _ = try Graph(
                inputs: [x, GraphInput(name: "y", shape: ["N", 3, 8, 8])],
                layers: [Layer("c", .conv(Conv(kernel: try OpTestKit.declared([2, 3, 3, 3]), bias: nil)), inputs: ["x", "y"])],
                outputs: [GraphOutput(name: "c")])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["matmul", "2", "Received: 1"]) {
            _ = try Graph(inputs: [x], layers: [Layer("m", .matMul(MatMul()), inputs: ["x"])], outputs: [GraphOutput(name: "m")])
        }
        // with a stored constant, add takes exactly one runtime input.
        OpTestKit.expectError(.invalidGraph, mentioning: ["add", "Received: 2"]) {
            _ = try Graph(
                inputs: [x], layers: [Layer("a", .add(Add(constant: ConstantOperand(try OpTestKit.declared([1])))), inputs: ["x", "x"])],
                outputs: [GraphOutput(name: "a")])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["sub", "Received: 3"]) {
            _ = try Graph(inputs: [x], layers: [Layer("s", .sub(Sub()), inputs: ["x", "x", "x"])], outputs: [GraphOutput(name: "s")])
        }
        // variadic add of 3 is fine.
        _ = try Graph(inputs: [x], layers: [Layer("a", .add(Add()), inputs: ["x", "x", "x"])], outputs: [GraphOutput(name: "a")])
    }

    @Test("outputs must name a value, and there must be one")
    func outputs() throws {
        OpTestKit.expectError(.invalidGraph, mentioning: ["outputs must name a value", "'nope'"]) {
            _ = try Graph(inputs: [x], layers: [Layer("a", relu, inputs: ["x"])], outputs: [GraphOutput(name: "nope")])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["at least one output"]) {
            _ = try Graph(inputs: [x], layers: [Layer("a", relu, inputs: ["x"])], outputs: [])
        }
        // a graph input may be an output.
        _ = try Graph(inputs: [x], layers: [Layer("a", relu, inputs: ["x"])], outputs: [GraphOutput(name: "x"), GraphOutput(name: "a")])
    }

    @Test("binding fills symbolic dimensions and keeps the rest")
    func binding() throws {
        let input = GraphInput(name: "image", shape: ["N", 3, "H", "W"])
        let conv = Op.conv(Conv(kernel: try OpTestKit.declared([8, 3, 3, 3]), bias: nil, stride: [2, 2], padding: .symmetric(1, axes: 2)))
        let graph = try Graph(inputs: [input], layers: [Layer("conv", conv, inputs: ["image"])], outputs: [GraphOutput(name: "conv")])
        // unbound H and W: refused, naming them and --input-shape with an example.
        let error = OpTestKit.expectError(.shapeMismatch, mentioning: ["--input-shape", "image=", "'H'", "'W'", "[N, 3, H, W]"]) {
            _ = try ShapeInference.infer(graph)
        }
        #expect(error?.layer == "image")
        OpTestKit.expectError(.shapeMismatch, mentioning: ["--input-shape"]) {
            _ = try Analyzer.analyze(graph, model: "m", format: "test")
        }
        // bound to 32x32: (32 + 2 - 3) / 2 + 1 = 16.
        let bound = try graph.binding(["image": ["N", 3, 32, 32]])
        #expect(bound.inputs[0].shape == ["N", 3, 32, 32])
        #expect(bound.inputs[0].layout == graph.inputs[0].layout)
        #expect(try ShapeInference.infer(bound)["conv"] == ["N", 8, 16, 16])
        // the batch may be bound too, or stay symbolic.
        #expect(try ShapeInference.infer(try graph.binding(["image": [4, 3, 32, 32]]))["conv"] == [4, 8, 16, 16])
        // a fixed size cannot change, the rank cannot change, the name must be an input.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["only fill in its symbolic", "fixed size 3"]) {
            _ = try graph.binding(["image": ["N", 4, 32, 32]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["keep the input's rank (4)", "[N, 3, 32]"]) {
            _ = try graph.binding(["image": ["N", 3, 32]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["must name a graph input", "'photo'"]) {
            _ = try graph.binding(["photo": ["N", 3, 32, 32]])
        }
    }

    /// A negative dimension is no size: analysis must refuse it rather than report negative
    /// element counts, FLOPs and activation bytes.
    @Test("a negative input dimension is refused by analysis")
    func negativeDimension() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "v", shape: [1, -3])], layers: [Layer("a", relu, inputs: ["v"])], outputs: [GraphOutput(name: "a")])
        #expect(throws: ZooError.self) { _ = try Analyzer.analyze(graph, model: "m", format: "test") }
    }

    @Test("shape inference lets only the batch stay symbolic and names failing layers")
    func shapeInference() throws {
        let graph = try Graph(
            inputs: [x, GraphInput(name: "y", shape: ["N", 4, 8, 8])],
            layers: [Layer("sum", .add(Add()), inputs: ["x", "y"])],
            outputs: [GraphOutput(name: "sum")])
        // 3 vs 4 channels: the error names the layer.
        let error = OpTestKit.expectError(.shapeMismatch, mentioning: ["broadcast", "3 vs 4"]) { _ = try ShapeInference.infer(graph) }
        #expect(error?.layer == "sum")
        let shapes = try ShapeInference.infer(
            try Graph(inputs: [x], layers: [Layer("a", relu, inputs: ["x"])], outputs: [GraphOutput(name: "a")]))
        #expect(shapes["x"] == ["N", 3, 8, 8])
        #expect(shapes["a"] == ["N", 3, 8, 8])
        // a symbolic dimension off the batch in a second input is refused too.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["--input-shape", "'T'"]) {
            try ShapeInference.checkBound([x, GraphInput(name: "tokens", shape: ["N", "T"])])
        }
    }
}
