/// The formats a ``Report`` can be rendered in; `table` is the default of `zoo analyze`.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// A fixed-width text table for a terminal, like Keras's `summary()` or torchinfo.
    case table
    /// The stable JSON interface of DESIGN.md section 4.
    case json
    /// One row per layer with RFC 4180 quoting.
    case csv
    /// A GitHub-flavoured Markdown table with totals and conventions.
    case markdown
}

/// Renders a ``Report`` as a text table, JSON, CSV or Markdown. Every renderer is deterministic
/// (no locale, no clock) and its output ends with a newline.
///
/// - JSON has exactly the shape of DESIGN.md section 4, keys in that order, plus
///   `uncounted_layers` in `totals`. Symbolic dimensions are strings, concrete ones numbers;
///   a global receptive field or a value without spatial axes has `receptive_field: null`.
/// - The table and Markdown show per layer its name, op, output shape, parameters
///   (trainable + non-trainable), MACs and receptive field, then the totals and
///   ``conventions``.
/// - CSV has one header row and one row per layer; see ``csvHeader``.
public enum ReportRenderer {
    /// How the report counts, stated once: the table and Markdown footers print it, and
    /// `zoo ops` can show it. Lines start with `- ` so that Markdown shows them as a list.
    public static let conventions = """
        - Parameters: every float tensor the model file stores, counted once: trainable
          (weights, biases, batch-norm gamma and beta, constant operands such as a per-channel
          Mul or Add) and non-trainable (batch-norm running mean and variance), reported
          separately; total = both (Keras's convention); Keras files keep Keras's own split,
          and scalars standing for attributes (Clip bounds, Pad values, a Pow exponent,
          Rescaling) are not parameters. torchvision's num_params is the trainable column. Params per layer in
          the table is the layer's total.
        - MACs: multiply-accumulates of conv, dense and matmul (torchvision's "GFLOPS" column);
          a transposed conv multiplies every input element by a whole kernel window.
        - FLOPs, one rule per op, listed by `zoo ops`: conv/dense/matmul 2 x MACs + 1 per output
          with a bias; batch norm 2 per element; other element-wise ops 1 per output element;
          pools per window; reductions 1 per input element; layer, instance and group norm 6
          per element (mean 1, variance 3, normalize 2) + 1 each for a scale and a shift; data
          movement 0. A layer whose op has no rule is uncounted, not 0.
        - Shapes: the IR's channels-first layout named in the header (JSON `layout`), batch
          first; inputs and outputs also give the source model's layout. Figures are per
          sample: a symbolic batch counts as 1. Activation bytes: each layer's float32 output.
        - Receptive field per spatial axis (Araujo et al., Distill 2019): size r, effective
          stride j, effective padding p; r <- r + (k' - 1) j and j <- j s through a window of
          dilated kernel k' and stride s. RF column: r/j (`7x7/2`); `global` after a global
          pool, flatten or dense, and after a transposed conv with a stride above 1 or an
          upsampling resize (its outputs lie 1/s input steps apart: no (r, j, p) states
          that); `-` without spatial axes. At a merge (add, sub, mul, div, concat) the largest field is kept and the
          smallest recorded (min_size); `*` marks a merge whose branches' fields differ in
          size or are not aligned.
        """

    /// The header row of ``csv(_:)``.
    public static let csvHeader = [
        "name", "op", "inputs", "output_shape", "params_trainable", "params_non_trainable", "macs", "flops",
        "counted", "activation_bytes", "rf_size", "rf_stride", "rf_padding", "rf_min_size", "rf_aligned",
    ]

    /// `report` in `format`.
    public static func render(_ report: Report, as format: ReportFormat) -> String {
        switch format {
        case .table: return table(report)
        case .json: return json(report)
        case .csv: return csv(report)
        case .markdown: return markdown(report)
        }
    }

    // MARK: - JSON

    /// The report as pretty-printed JSON (DESIGN.md section 4), ending with a newline.
    public static func json(_ report: Report) -> String {
        jsonValue(report).rendered()
    }

    /// The report as a JSON document, for embedding it in a larger one.
    public static func jsonValue(_ report: Report) -> JSONValue {
        .object([
            ("model", .string(report.model)),
            ("format", .string(report.format)),
            ("layout", .string(report.layout.axes)),
            ("inputs", .array(report.inputs.map(jsonValue))),
            ("outputs", .array(report.outputs.map(jsonValue))),
            ("layers", .array(report.layers.map(jsonValue))),
            ("totals", jsonValue(report.totals)),
        ])
    }

    private static func jsonValue(_ value: Report.Value) -> JSONValue {
        .object([
            ("name", .string(value.name)),
            ("shape", jsonValue(value.shape)),
            ("source_layout", .string(value.sourceLayout.axes)),
        ])
    }

    private static func jsonValue(_ layer: Report.LayerReport) -> JSONValue {
        .object([
            ("name", .string(layer.name)),
            ("op", .string(layer.op)),
            ("inputs", .array(layer.inputs.map(JSONValue.string))),
            ("output_shape", jsonValue(layer.outputShape)),
            ("attributes", .object(layer.attributes.map { ($0.name, jsonValue($0.value)) })),
            ("params", .object([("trainable", .int(layer.params.trainable)), ("non_trainable", .int(layer.params.nonTrainable))])),
            ("macs", .int(layer.macs)),
            ("flops", .int(layer.flops)),
            ("counted", .bool(layer.counted)),
            ("activation_bytes", .int(layer.activationBytes)),
            ("receptive_field", layer.receptiveField.map(jsonValue) ?? .null),
        ])
    }

    private static func jsonValue(_ field: Report.Field) -> JSONValue {
        .object([
            ("size", .array(field.size.map(JSONValue.int))),
            ("stride", .array(field.stride.map(JSONValue.int))),
            ("padding", .array(field.padding.map(JSONValue.int))),
            ("min_size", .array(field.minSize.map(JSONValue.int))),
            ("aligned", .bool(field.aligned)),
        ])
    }

    private static func jsonValue(_ totals: Report.Totals) -> JSONValue {
        .object([
            (
                "params",
                .object([
                    ("trainable", .int(totals.params.trainable)),
                    ("non_trainable", .int(totals.params.nonTrainable)),
                    ("total", .int(totals.params.total)),
                ])
            ),
            ("macs", .int(totals.macs)),
            ("flops", .int(totals.flops)),
            ("activation_bytes", .int(totals.activationBytes)),
            ("uncounted_layers", .int(totals.uncountedLayers)),
        ])
    }

    private static func jsonValue(_ shape: Shape) -> JSONValue {
        .array(shape.dims.map { dim in
            switch dim {
            case .fixed(let size): return .int(size)
            case .symbol(let name): return .string(name)
            }
        })
    }

    private static func jsonValue(_ value: AttributeValue) -> JSONValue {
        switch value {
        case .int(let number): return .int(number)
        case .ints(let numbers): return .array(numbers.map(JSONValue.int))
        case .float(let number): return .float(number)
        case .floats(let numbers): return .array(numbers.map(JSONValue.float))
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        }
    }

    // MARK: - Table

    /// The report as a fixed-width text table: a header naming the model, its format and its
    /// inputs and outputs; one row per layer; the totals; a footnote for marked receptive
    /// fields; and ``conventions``.
    public static func table(_ report: Report) -> String {
        var lines = header(report).map(printable)
        lines.append("")
        lines += aligned(
            rows: report.layers.map { layer in
                [
                    printable(layer.name), printable(layer.op), shapeText(layer.outputShape), grouped(layer.params.total),
                    grouped(layer.macs), fieldCell(layer).text,
                ]
            },
            header: ["Layer", "Op", "Output shape", "Params", "MACs", "RF"],
            rightAligned: [false, false, false, true, true, false])
        let notes = fieldNotes(report)
        if !notes.isEmpty {
            lines.append("")
            lines.append("* Merged branches' fields differ; the largest is shown:")
            lines += notes.map { "    " + printable($0.layer) + ": " + $0.note }
        }
        lines.append("")
        lines += aligned(
            rows: totalRows(report).map { [$0.label + ":", $0.exact, $0.approximate.map { "(\($0))" } ?? ""] },
            header: nil, rightAligned: [false, true, false])
        lines.append("")
        lines.append("Conventions:")
        lines.append(conventions)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func header(_ report: Report) -> [String] {
        var lines = ["Model \(report.model), format \(report.format), per-layer shapes in \(report.layout.axes)"]
        for input in report.inputs {
            lines.append("Input \(input.name): \(shapeText(input.shape)) (source layout \(input.sourceLayout.axes))")
        }
        for output in report.outputs {
            lines.append("Output \(output.name): \(shapeText(output.shape)) (source layout \(output.sourceLayout.axes))")
        }
        return lines
    }

    /// Rows of cells padded to their column's widest cell, columns two spaces apart, with a
    /// rule under the header; no trailing spaces.
    public static func aligned(rows: [[String]], header: [String]?, rightAligned: [Bool]) -> [String] {
        let all = (header.map { [$0] } ?? []) + rows
        var widths = Array(repeating: 0, count: rightAligned.count)
        for row in all {
            for (column, cell) in row.enumerated() where column < widths.count { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell -> String in
                let fill = String(repeating: " ", count: max(widths[column] - cell.count, 0))
                return rightAligned[column] ? fill + cell : cell + fill
            }
            return trimmingTrailingSpaces(padded.joined(separator: "  "))
        }
        var lines: [String] = []
        if let header {
            lines.append(line(header))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        lines += rows.map(line)
        return lines
    }

    private static func trimmingTrailingSpaces(_ text: String) -> String {
        var result = text
        while result.last == " " { result.removeLast() }
        return result
    }

    // MARK: - CSV

    /// The layers as CSV: the ``csvHeader`` row, then one row per layer, lines ending in `\n`.
    ///
    /// Cells holding a comma, quote, CR or LF are quoted with inner quotes doubled (RFC 4180).
    /// Inputs are joined by `;`, shapes written `N x 64 x 112 x 112`, receptive-field lists
    /// joined by `x`; a global field has `global` in `rf_size`, and the other receptive-field
    /// cells are empty when the field is global or the value has no spatial axes.
    public static func csv(_ report: Report) -> String {
        var rows = [csvHeader]
        for layer in report.layers {
            var row = [
                layer.name, layer.op, layer.inputs.joined(separator: ";"), shapeText(layer.outputShape),
                String(layer.params.trainable), String(layer.params.nonTrainable), String(layer.macs), String(layer.flops),
                String(layer.counted), String(layer.activationBytes),
            ]
            if let field = layer.receptiveField {
                row += [
                    joinedByX(field.size), joinedByX(field.stride), joinedByX(field.padding), joinedByX(field.minSize),
                    String(field.aligned),
                ]
            } else {
                row += [layer.fieldState == .global ? "global" : "", "", "", "", ""]
            }
            rows.append(row)
        }
        return rows.map { $0.map(csvCell).joined(separator: ",") + "\n" }.joined()
    }

    /// A CSV cell, quoted with inner quotes doubled when it holds a comma, quote, CR or LF.
    public static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }

    // MARK: - Markdown

    /// The report as GitHub-flavoured Markdown: a heading, the inputs and outputs, the layer
    /// table of ``table(_:)``, the totals and ``conventions``.
    public static func markdown(_ report: Report) -> String {
        var lines = [
            "## \(markdownCode(report.model))", "",
            "Format \(markdownCode(report.format)); per-layer shapes in \(report.layout.axes).", "",
            "| Value | Name | Shape | Source layout |", "|---|---|---|---|",
        ]
        for (kind, values) in [("input", report.inputs), ("output", report.outputs)] {
            for value in values {
                lines.append("| \(kind) | \(markdownCode(value.name)) | \(markdownShape(value.shape)) | \(value.sourceLayout.axes) |")
            }
        }
        lines += ["", "| Layer | Op | Output shape | Params | MACs | RF |", "|---|---|---|---:|---:|---|"]
        for layer in report.layers {
            let field = fieldCell(layer)
            let fieldText = field.marked ? String(field.text.dropLast()) + "\\*" : field.text
            let cells = [
                markdownCode(layer.name), markdownCode(layer.op), markdownShape(layer.outputShape), grouped(layer.params.total),
                grouped(layer.macs), fieldText,
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        let notes = fieldNotes(report)
        if !notes.isEmpty {
            lines += ["", "\\* Merged branches' fields differ; the largest is shown:", ""]
            lines += notes.map { "- \(markdownCode($0.layer)): \($0.note)" }
        }
        lines += ["", "### Totals", "", "| | Exact | Approximately |", "|---|---:|---:|"]
        for row in totalRows(report) {
            lines.append("| \(row.label) | \(row.exact) | \(row.approximate.map(markdownText) ?? "") |")
        }
        lines += ["", "### Conventions", "", conventions]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` as a Markdown code span that survives a table cell: line breaks become spaces,
    /// pipes are escaped, and the fence is longer than any run of backticks inside.
    private static func markdownCode(_ text: String) -> String {
        var flat = ""
        var run = 0, longestRun = 0
        for character in text {
            if character == "`" {
                run += 1
                longestRun = max(longestRun, run)
            } else {
                run = 0
            }
            switch character {
            case "\n", "\r", "\r\n": flat += " "
            case "|": flat += "\\|"
            default: flat.append(character)
            }
        }
        let fence = String(repeating: "`", count: longestRun + 1)
        let pad = flat.first == "`" || flat.last == "`" || flat.isEmpty ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// A shape for a Markdown table cell: a pipe in a symbol's name is escaped.
    private static func markdownShape(_ shape: Shape) -> String {
        shapeText(shape).replacingAll("|", with: "\\|")
    }

    /// `text` with Markdown's special characters backslash-escaped, on one line.
    private static func markdownText(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\n", "\r", "\r\n": escaped += " "
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#": escaped += "\\" + String(character)
            default: escaped.append(character)
            }
        }
        return escaped
    }

    // MARK: - Shared pieces

    /// `value` with a comma between groups of three digits: `9,408`.
    public static func grouped(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var text = value < 0 ? "-" : ""
        for (position, digit) in digits.enumerated() {
            if position > 0, (digits.count - position) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return text
    }

    /// `value` with an SI prefix and two decimals (`1.81 G`), or with a binary one for bytes
    /// (`3.06 MiB`). Values below one unit are written exactly (`512`, `512 B`).
    public static func humanized(_ value: Int, binary: Bool = false) -> String {
        let base = binary ? 1024.0 : 1000.0
        let units = binary ? ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] : ["", "K", "M", "G", "T", "P", "E"]
        let sign = value < 0 ? "-" : ""
        var scaled = Double(value.magnitude)
        var unit = 0
        while unit < units.count - 1, (scaled * 100).rounded() >= base * 100 {
            scaled /= base
            unit += 1
        }
        if unit == 0 { return trimmingTrailingSpaces("\(value) \(units[0])") }
        let hundredths = Int((scaled * 100).rounded())
        let fraction = hundredths % 100
        return "\(sign)\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(units[unit])"
    }

    /// `N x 64 x 112 x 112`; `scalar` for rank 0.
    private static func shapeText(_ shape: Shape) -> String {
        shape.dims.isEmpty ? "scalar" : shape.dims.map { printable($0.description) }.joined(separator: " x ")
    }

    private static func joinedByX(_ values: [Int]) -> String {
        values.map(String.init).joined(separator: "x")
    }

    /// The RF cell: `size/stride` (`7x7/2`, or `7x5/2x1` when the strides differ), `global`,
    /// or `-`; `marked` (and a trailing `*`) when a merge left differing or misaligned fields.
    private static func fieldCell(_ layer: Report.LayerReport) -> (text: String, marked: Bool) {
        guard let field = layer.receptiveField, !field.size.isEmpty else {
            return (layer.fieldState == .global ? "global" : "-", false)
        }
        let stride = Set(field.stride).count == 1 ? String(field.stride[0]) : joinedByX(field.stride)
        let marked = layer.inputs.count > 1 && isMarked(field)
        return (joinedByX(field.size) + "/" + stride + (marked ? "*" : ""), marked)
    }

    private static func isMarked(_ field: Report.Field) -> Bool {
        !field.aligned || field.minSize != field.size
    }

    /// One note per marked layer: its smallest field and whether the branches align.
    private static func fieldNotes(_ report: Report) -> [(layer: String, note: String)] {
        report.layers.compactMap { layer in
            guard let field = layer.receptiveField, !field.size.isEmpty, layer.inputs.count > 1, isMarked(field) else { return nil }
            var parts: [String] = []
            if field.minSize != field.size { parts.append("smallest field \(joinedByX(field.minSize))") }
            if !field.aligned { parts.append("not aligned (the branches' strides or field centres differ)") }
            return (layer.name, parts.joined(separator: "; "))
        }
    }

    /// The totals as label, exact figure and approximate figure.
    private static func totalRows(_ report: Report) -> [(label: String, exact: String, approximate: String?)] {
        let totals = report.totals
        var rows: [(label: String, exact: String, approximate: String?)] = [
            ("Trainable params", grouped(totals.params.trainable), approximately(totals.params.trainable)),
            ("Non-trainable params", grouped(totals.params.nonTrainable), approximately(totals.params.nonTrainable)),
            ("Total params", grouped(totals.params.total), approximately(totals.params.total)),
            ("MACs", grouped(totals.macs), approximately(totals.macs)),
            ("FLOPs", grouped(totals.flops), approximately(totals.flops)),
            ("Activation bytes", grouped(totals.activationBytes), approximately(totals.activationBytes, binary: true)),
        ]
        if totals.uncountedLayers > 0 {
            let names = report.layers.filter { !$0.counted }.map { printable($0.name) }
            rows.append(("Uncounted layers", grouped(totals.uncountedLayers), "FLOPs unknown: " + names.joined(separator: ", ")))
        }
        return rows
    }

    /// ``humanized(_:binary:)`` when it says something the exact figure does not (one unit or more).
    private static func approximately(_ value: Int, binary: Bool = false) -> String? {
        value.magnitude < (binary ? 1024 : 1000) ? nil : humanized(value, binary: binary)
    }

    /// `text` on one line: control characters written as escapes (`\n`, `\u001b`) so that a
    /// strange name cannot break the table's lines.
    private static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: max(4 - hex.count, 0)) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}

extension String {
    /// The string with every occurrence of `target` replaced (no Foundation needed).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
