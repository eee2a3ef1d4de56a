/// `zoo graph`: a model as a Graphviz DOT digraph, one node per graph input and layer, labelled
/// with the op, the output shape, the parameters and the receptive field; edges follow the
/// values from producer to consumer.
public enum GraphvizRenderer {
    public static func dot(_ report: Report) -> String {
        var lines = [
            "digraph \(quoted(report.model)) {",
            "  graph [rankdir=TB, fontname=\"Helvetica\", label=\(quoted("\(report.model) (\(report.format)), shapes in \(report.layout)")), labelloc=t];",
            "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f7f7f7\", fontname=\"Helvetica\", fontsize=10];",
            "  edge [fontname=\"Helvetica\", fontsize=9];",
        ]
        for input in report.inputs {
            let label = "\(input.name)\ninput \(input.shape) \(input.sourceLayout)"
            lines.append("  \(quoted(input.name)) [label=\(quoted(label)), shape=ellipse, fillcolor=\"#dbeafe\"];")
        }
        for layer in report.layers {
            var label = "\(layer.name)\n\(layer.op)  \(layer.outputShape)"
            if layer.params.total > 0 { label += "\nparams \(ReportRenderer.grouped(layer.params.total))" }
            if layer.macs > 0 { label += "  MACs \(ReportRenderer.humanized(layer.macs))" }
            label += "\nRF " + fieldText(layer)
            let color = layer.params.total > 0 ? "#fef3c7" : "#f7f7f7"
            lines.append("  \(quoted(layer.name)) [label=\(quoted(label)), fillcolor=\"\(color)\"];")
            for input in layer.inputs { lines.append("  \(quoted(input)) -> \(quoted(layer.name));") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func fieldText(_ layer: Report.LayerReport) -> String {
        switch layer.fieldState {
        case .global: return "global"
        case .none: return "-"
        case .local:
            guard let field = layer.receptiveField else { return "-" }
            var text = field.size.map(String.init).joined(separator: "x") + " / " + field.stride.map(String.init).joined(separator: "x")
            if field.minSize != field.size { text += " (min " + field.minSize.map(String.init).joined(separator: "x") + ")" }
            if !field.aligned { text += " not aligned" }
            return text
        }
    }

    /// A DOT double-quoted string: quotes and backslashes escaped, newlines as `\n` line breaks.
    static func quoted(_ text: String) -> String {
        var escaped = "\""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r", "\t": escaped += " "
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }
}
