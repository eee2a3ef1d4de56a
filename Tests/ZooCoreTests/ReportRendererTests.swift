import Foundation
import Testing
import ZooCore

/// The stem and head of torchvision's resnet18 with the four stages left out, built by hand:
/// conv1 7x7/2 pad 3 without bias, bn1, relu, maxpool 3/2 pad 1, avgpool, flatten, fc 64 -> 1000.
///
/// Hand-computed figures (per sample, N counted as 1):
/// - conv1: 64 x 3 x 7 x 7 = 9,408 params; output 64 x 112 x 112 = 802,816 elements;
///   MACs 802,816 x 147 = 118,013,952; FLOPs 236,027,904; bytes 3,211,264 (docs/DESIGN.md section 4).
/// - bn1: 128 trainable + 128 non-trainable; FLOPs 2 x 802,816 = 1,605,632.
/// - relu: FLOPs 802,816. maxpool: (112 + 2 - 3) / 2 + 1 = 56, 200,704 outputs x 8 = 1,605,632
///   FLOPs; RF 7 + 2 x 2 = 11, stride 4, padding 3 + 1 x 2 = 5.
/// - avgpool: 64 outputs x 56 x 56 = 200,704 FLOPs. flatten: 0. fc: 65,000 params, 64,000 MACs,
///   129,000 FLOPs, 4,000 bytes.
/// - Totals: trainable 74,536, non-trainable 128, total 74,664; MACs 118,077,952;
///   FLOPs 240,371,688; activation bytes 3 x 3,211,264 + 802,816 + 256 + 256 + 4,000 = 10,441,120.
private func stemGraph(reluName: String = "relu") throws -> Graph {
    let channels = 64
    let batchNorm = BatchNorm(
        gamma: try .declared(shape: [channels]), beta: try .declared(shape: [channels]),
        mean: try .declared(shape: [channels]), variance: try .declared(shape: [channels]))
    let pool = MaxPool(window: SpatialWindow(kernel: [3, 3], stride: [2, 2], padding: .symmetric(1, axes: 2)))
    let conv = Conv(kernel: try .declared(shape: [channels, 3, 7, 7]), bias: nil, stride: [2, 2], padding: .symmetric(3, axes: 2))
    let dense = Dense(weight: try .declared(shape: [1000, channels]), bias: try .declared(shape: [1000]))
    return try Graph(
        inputs: [GraphInput(name: "input", shape: Shape([.symbol("N"), 3, 224, 224]))],
        layers: [
            Layer("conv1", .conv(conv), inputs: ["input"]),
            Layer("bn1", .batchNorm(batchNorm), inputs: ["conv1"]),
            Layer(reluName, .relu(Relu()), inputs: ["bn1"]),
            Layer("maxpool", .maxPool(pool), inputs: [reluName]),
            Layer("avgpool", .globalAveragePool(GlobalAveragePool()), inputs: ["maxpool"]),
            Layer("flatten", .flatten(Flatten()), inputs: ["avgpool"]),
            Layer("fc", .dense(dense), inputs: ["flatten"]),
        ],
        outputs: [GraphOutput(name: "fc")])
}

private func stemReport(reluName: String = "relu") throws -> Report {
    try Analyzer.analyze(try stemGraph(reluName: reluName), model: "t", format: "zoo-spec")
}

/// Two branches over a 10 x 10 input merged by an add: a 3x3 valid conv (field 3, centre at 1)
/// and a 5x5 conv padded only at the end (field 5, centre at 2), both 8 x 8. The merge keeps
/// size 5, records min_size 3 and is not aligned.
private func mergeReport() throws -> Report {
    let small = Conv(kernel: try .declared(shape: [2, 2, 3, 3]), bias: nil)
    let large = Conv(kernel: try .declared(shape: [2, 2, 5, 5]), bias: nil, padding: .explicit(begin: [0, 0], end: [2, 2]))
    let graph = try Graph(
        inputs: [GraphInput(name: "x", shape: Shape([.symbol("N"), 2, 10, 10]))],
        layers: [
            Layer("small", .conv(small), inputs: ["x"]),
            Layer("large", .conv(large), inputs: ["x"]),
            Layer("sum", .add(Add()), inputs: ["small", "large"]),
        ],
        outputs: [GraphOutput(name: "sum")])
    return try Analyzer.analyze(graph, model: "merge", format: "zoo-spec")
}

/// The keys of the object that starts on line `start` of pretty-printed JSON, in order.
private func keys(ofObjectAt start: Int, in lines: [String]) -> [String] {
    let indent = lines[start].prefix { $0 == " " }.count + 2
    var found: [String] = []
    for line in lines[(start + 1)...] {
        let depth = line.prefix { $0 == " " }.count
        if depth < indent { break }
        guard depth == indent, line.dropFirst(depth).first == "\"" else { continue }
        let body = line.dropFirst(depth + 1)
        if let end = body.firstIndex(of: "\"") { found.append(String(body[..<end])) }
    }
    return found
}

/// The line index of the first line at or after `from` that contains `text`.
private func line(containing text: String, in lines: [String], from: Int = 0) -> Int? {
    lines[from...].firstIndex { $0.contains(text) }
}

/// A small RFC 4180 reader: records of fields, quotes doubled inside quoted fields.
private func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text.unicodeScalars)[...]
    while let scalar = characters.popFirst() {
        if quoted {
            if scalar == "\"" {
                if characters.first == "\"" {
                    field.unicodeScalars.append("\"")
                    characters.removeFirst()
                } else {
                    quoted = false
                }
            } else {
                field.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" {
            quoted = true
        } else if scalar == "," {
            record.append(field)
            field = ""
        } else if scalar == "\n" {
            record.append(field)
            records.append(record)
            record = []
            field = ""
        } else {
            field.unicodeScalars.append(scalar)
        }
    }
    if !field.isEmpty || !record.isEmpty { records.append(record + [field]) }
    return records
}

@Suite("ReportRenderer")
struct ReportRendererTests {
    @Test("JSON carries the resnet18 conv1 figures of docs/DESIGN.md section 4 and parses")
    func jsonFigures() throws {
        let text = ReportRenderer.json(try stemReport())
        #expect(text.hasSuffix("}\n"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(root["model"] as? String == "t")
        #expect(root["format"] as? String == "zoo-spec")
        #expect(root["layout"] as? String == "NCHW")
        let layers = try #require(root["layers"] as? [[String: Any]])
        #expect(layers.count == 7)
        let conv = layers[0]
        #expect(conv["name"] as? String == "conv1")
        #expect(conv["op"] as? String == "conv")
        #expect(conv["inputs"] as? [String] == ["input"])
        let shape = try #require(conv["output_shape"] as? [Any])
        #expect(shape.first as? String == "N")
        #expect(shape.dropFirst().compactMap { $0 as? Int } == [64, 112, 112])
        let params = try #require(conv["params"] as? [String: Any])
        #expect(params["trainable"] as? Int == 9408)
        #expect(params["non_trainable"] as? Int == 0)
        #expect(conv["macs"] as? Int == 118_013_952)
        #expect(conv["flops"] as? Int == 236_027_904)
        #expect(conv["counted"] as? Bool == true)
        #expect(conv["activation_bytes"] as? Int == 3_211_264)
        let field = try #require(conv["receptive_field"] as? [String: Any])
        #expect(field["size"] as? [Int] == [7, 7])
        #expect(field["stride"] as? [Int] == [2, 2])
        #expect(field["padding"] as? [Int] == [3, 3])
        #expect(field["min_size"] as? [Int] == [7, 7])
        #expect(field["aligned"] as? Bool == true)
        let pool = try #require(layers[3]["receptive_field"] as? [String: Any])
        #expect(pool["size"] as? [Int] == [11, 11])
        #expect(pool["stride"] as? [Int] == [4, 4])
        #expect(pool["padding"] as? [Int] == [5, 5])
        #expect(layers[4]["receptive_field"] is NSNull)
        let totals = try #require(root["totals"] as? [String: Any])
        let totalParams = try #require(totals["params"] as? [String: Any])
        #expect(totalParams["trainable"] as? Int == 74_536)
        #expect(totalParams["non_trainable"] as? Int == 128)
        #expect(totalParams["total"] as? Int == 74_664)
        #expect(totals["macs"] as? Int == 118_077_952)
        #expect(totals["flops"] as? Int == 240_371_688)
        #expect(totals["activation_bytes"] as? Int == 10_441_120)
        #expect(totals["uncounted_layers"] as? Int == 0)
    }

    @Test("JSON keys come in the documented order, scalar arrays on one line")
    func jsonLayout() throws {
        let text = ReportRenderer.json(try stemReport())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(keys(ofObjectAt: 0, in: lines) == ["model", "format", "layout", "inputs", "outputs", "layers", "totals"])
        let inputs = try #require(line(containing: "\"inputs\": [", in: lines))
        #expect(keys(ofObjectAt: inputs + 1, in: lines) == ["name", "shape", "source_layout"])
        let layers = try #require(line(containing: "\"layers\": [", in: lines))
        #expect(
            keys(ofObjectAt: layers + 1, in: lines) == [
                "name", "op", "inputs", "output_shape", "attributes", "params", "macs", "flops", "counted",
                "activation_bytes", "receptive_field",
            ])
        let attributes = try #require(line(containing: "\"attributes\": {", in: lines, from: layers))
        #expect(keys(ofObjectAt: attributes, in: lines) == ["kernel", "stride", "pads", "groups"])
        let params = try #require(line(containing: "\"params\": {", in: lines, from: layers))
        #expect(keys(ofObjectAt: params, in: lines) == ["trainable", "non_trainable"])
        let field = try #require(line(containing: "\"receptive_field\": {", in: lines, from: layers))
        #expect(keys(ofObjectAt: field, in: lines) == ["size", "stride", "padding", "min_size", "aligned"])
        let totals = try #require(line(containing: "\"totals\": {", in: lines))
        #expect(keys(ofObjectAt: totals, in: lines) == ["params", "macs", "flops", "activation_bytes", "uncounted_layers"])
        let totalParams = try #require(line(containing: "\"params\": {", in: lines, from: totals))
        #expect(keys(ofObjectAt: totalParams, in: lines) == ["trainable", "non_trainable", "total"])

        #expect(text.contains("\n      \"output_shape\": [\"N\", 64, 112, 112],\n"))
        #expect(text.contains("\"pads\": [3, 3, 3, 3]"))
        #expect(text.contains("\"shape\": [\"N\", 3, 224, 224]"))
        #expect(text.contains("\"epsilon\": 1e-05"))
        #expect(text.contains("\"attributes\": {}"))
        #expect(text.contains("\"receptive_field\": null"))
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
        #expect(ReportRenderer.json(try stemReport()) == text)
    }

    @Test("JSON strings escape quotes, backslashes, control characters and keep Unicode")
    func jsonEscaping() throws {
        let name = "odd \"name\",\nline\\tab\t\u{01}é"
        let text = ReportRenderer.json(try stemReport(reluName: name))
        #expect(text.contains(#""name": "odd \"name\",\nline\\tab\t\u0001é""#))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let layers = try #require(root["layers"] as? [[String: Any]])
        #expect(layers[2]["name"] as? String == name)
        #expect(layers[3]["inputs"] as? [String] == [name])

        #expect(JSONValue.quoted("\u{08}\u{0C}\r\u{1F}\u{2028}") == #""\b\f\r\u001f\u2028""#)
        #expect(JSONValue.float(.nan).rendered() == "null\n")
        #expect(JSONValue.float(-.infinity).rendered() == "null\n")
        #expect(JSONValue.float(0.1).rendered() == "0.1\n")
        #expect(JSONValue.array([]).rendered() == "[]\n")
        #expect(
            JSONValue.object([("a", .array([.int(1), .object([("b", .bool(true))])])), ("c", .null)]).rendered()
                == "{\n  \"a\": [\n    1,\n    {\n      \"b\": true\n    }\n  ],\n  \"c\": null\n}\n")
    }

    @Test("A merge records min_size and alignment in JSON, CSV and the table")
    func mergeField() throws {
        let report = try mergeReport()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(ReportRenderer.json(report).utf8)) as? [String: Any])
        let layers = try #require(root["layers"] as? [[String: Any]])
        let field = try #require(layers[2]["receptive_field"] as? [String: Any])
        #expect(field["size"] as? [Int] == [5, 5])
        #expect(field["min_size"] as? [Int] == [3, 3])
        #expect(field["padding"] as? [Int] == [0, 0])
        #expect(field["aligned"] as? Bool == false)

        let rows = parseCSV(ReportRenderer.csv(report))
        #expect(rows[3][0] == "sum")
        #expect(Array(rows[3][10...]) == ["5x5", "1x1", "0x0", "3x3", "false"])

        let table = ReportRenderer.table(report)
        #expect(table.contains("5x5/1*"))
        #expect(table.contains("sum: smallest field 3x3; not aligned"))
        #expect(ReportRenderer.markdown(report).contains("| 5x5/1\\* |"))
    }

    @Test("CSV has the documented header, quotes per RFC 4180 and one row per layer")
    func csv() throws {
        let name = "odd \"name\",\nline"
        let text = ReportRenderer.csv(try stemReport(reluName: name))
        #expect(text.hasPrefix(
            "name,op,inputs,output_shape,params_trainable,params_non_trainable,macs,flops,counted,activation_bytes,rf_size,rf_stride,rf_padding,rf_min_size,rf_aligned\n"))
        #expect(text.contains("\n\"odd \"\"name\"\",\nline\",relu,bn1,"))
        let rows = parseCSV(text)
        #expect(rows.count == 8)
        #expect(rows.allSatisfy { $0.count == 15 })
        #expect(rows[1] == ["conv1", "conv", "input", "N x 64 x 112 x 112", "9408", "0", "118013952", "236027904", "true", "3211264", "7x7", "2x2", "3x3", "7x7", "true"])
        #expect(rows[3][0] == name)
        #expect(rows[4][2] == name)
        #expect(Array(rows[2][4...5]) == ["128", "128"])
        #expect(Array(rows[5][10...]) == ["global", "", "", "", ""])
    }

    @Test("The table groups thousands, humanizes totals and ends with the conventions")
    func table() throws {
        let text = ReportRenderer.table(try stemReport())
        #expect(text.hasPrefix("Model t, format zoo-spec, per-layer shapes in NCHW\nInput input: N x 3 x 224 x 224 (source layout NCHW)\n"))
        #expect(text.contains("Output fc: N x 1000 (source layout NC)"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let conv = try #require(lines.first { $0.hasPrefix("conv1 ") })
        #expect(conv.contains("9,408"))
        #expect(conv.contains("118,013,952"))
        #expect(conv.hasSuffix("7x7/2"))
        #expect(try #require(lines.first { $0.hasPrefix("bn1 ") }).contains(" 256 "))
        #expect(try #require(lines.first { $0.hasPrefix("maxpool ") }).hasSuffix("11x11/4"))
        #expect(try #require(lines.first { $0.hasPrefix("avgpool ") }).hasSuffix("global"))
        #expect(text.contains("74,664  (74.66 K)"))
        let nonTrainable = try #require(lines.first { $0.hasPrefix("Non-trainable params:") })
        #expect(nonTrainable.hasSuffix(" 128"))
        #expect(text.contains("118,077,952  (118.08 M)"))
        #expect(text.contains("240,371,688  (240.37 M)"))
        // 10,441,120 / 1,048,576 = 9.957...
        #expect(text.contains("10,441,120  (9.96 MiB)"))
        #expect(!text.contains("Uncounted"))
        #expect(text.hasSuffix("Conventions:\n" + ReportRenderer.conventions + "\n"))
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
    }

    @Test("Long and strange layer names keep the table's columns aligned")
    func tableColumns() throws {
        let long = "layer4.1.downsample.0.with-a-long-suffix"
        let lines = ReportRenderer.table(try stemReport(reluName: long)).split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("Layer ") })
        let opColumn = try #require(lines[header].range(of: "Op")).lowerBound.utf16Offset(in: lines[header])
        let names = ["conv1", "bn1", long, "maxpool", "avgpool", "flatten", "fc"]
        let ops = ["conv", "batchnorm", "relu", "maxpool", "globalavgpool", "flatten", "dense"]
        for (offset, (name, op)) in zip(names, ops).enumerated() {
            let row = Array(lines[header + 2 + offset].utf16)
            #expect(String(decoding: row[..<name.utf16.count], as: UTF16.self) == name)
            #expect(String(decoding: row[opColumn..<(opColumn + op.utf16.count)], as: UTF16.self) == op)
        }
        let strange = ReportRenderer.table(try stemReport(reluName: "a\nb"))
        #expect(strange.contains("a\\nb "))
    }

    @Test("Markdown has the layer table, the totals and the conventions")
    func markdown() throws {
        let text = ReportRenderer.markdown(try stemReport(reluName: "pipe|name"))
        #expect(text.hasPrefix("## `t`\n"))
        #expect(text.contains("| Layer | Op | Output shape | Params | MACs | RF |\n|---|---|---|---:|---:|---|\n"))
        #expect(text.contains("| `conv1` | `conv` | N x 64 x 112 x 112 | 9,408 | 118,013,952 | 7x7/2 |"))
        #expect(text.contains("| `pipe\\|name` | `relu` |"))
        #expect(text.contains("| Total params | 74,664 | 74.66 K |"))
        #expect(text.contains("| MACs | 118,077,952 | 118.08 M |"))
        #expect(text.hasSuffix("### Conventions\n\n" + ReportRenderer.conventions + "\n"))
    }

    @Test("render(_:as:) dispatches every format")
    func dispatch() throws {
        let report = try stemReport()
        #expect(ReportFormat.allCases.map(\.rawValue) == ["table", "json", "csv", "markdown"])
        #expect(ReportRenderer.render(report, as: .table) == ReportRenderer.table(report))
        #expect(ReportRenderer.render(report, as: .json) == ReportRenderer.json(report))
        #expect(ReportRenderer.render(report, as: .csv) == ReportRenderer.csv(report))
        #expect(ReportRenderer.render(report, as: .markdown) == ReportRenderer.markdown(report))
        for format in ReportFormat.allCases { #expect(ReportRenderer.render(report, as: format).hasSuffix("\n")) }
    }

    @Test(
        "Numbers group by thousands and humanize",
        arguments: [
            (0, "0"), (999, "999"), (1000, "1,000"), (9408, "9,408"), (1_814_073_344, "1,814,073,344"), (-1_234_567, "-1,234,567"),
        ])
    func grouping(value: Int, expected: String) {
        #expect(ReportRenderer.grouped(value) == expected)
    }

    @Test("Humanized figures use SI or binary prefixes")
    func humanizing() {
        // torchvision's resnet18 "GFLOPS" column: 1.81.
        #expect(ReportRenderer.humanized(1_814_073_344) == "1.81 G")
        #expect(ReportRenderer.humanized(512) == "512")
        #expect(ReportRenderer.humanized(999_999) == "1.00 M")
        #expect(ReportRenderer.humanized(9600) == "9.60 K")
        #expect(ReportRenderer.humanized(512, binary: true) == "512 B")
        // 3,211,264 / 1,048,576 = 3.0625.
        #expect(ReportRenderer.humanized(3_211_264, binary: true) == "3.06 MiB")
        #expect(ReportRenderer.humanized(1024, binary: true) == "1.00 KiB")
    }
}
