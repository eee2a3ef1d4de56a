import ZooCore

/// Small tables (`zoo list`, `zoo ops`) in the report formats: aligned text, JSON (an array of
/// objects keyed by the header), CSV or Markdown.
enum TableText {
    static func render(header: [String], rows: [[String]], format: ReportFormat, numericColumns: Set<Int>) -> String {
        switch format {
        case .table:
            let shown = rows.map { row in
                row.enumerated().map { numericColumns.contains($0.offset) ? ReportRenderer.grouped(Int($0.element) ?? 0) : $0.element }
            }
            let right = header.indices.map { numericColumns.contains($0) }
            return ReportRenderer.aligned(rows: shown, header: header, rightAligned: right).joined(separator: "\n") + "\n"
        case .json:
            let objects = rows.map { row in
                JSONValue.object(zip(header, row).enumerated().map { column, pair in
                    (pair.0, numericColumns.contains(column) ? JSONValue.int(Int(pair.1) ?? 0) : JSONValue.string(pair.1))
                })
            }
            return JSONValue.array(objects).rendered()
        case .csv:
            return ([header] + rows).map { $0.map(ReportRenderer.csvCell).joined(separator: ",") + "\n" }.joined()
        case .markdown:
            let escape = { (cell: String) in cell.replacingOccurrences(of: "|", with: "\\|") }
            return (["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
                + rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }).joined(separator: "\n") + "\n"
        }
    }
}
