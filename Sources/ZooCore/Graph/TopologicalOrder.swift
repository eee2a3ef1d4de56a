/// Topological ordering of named nodes, shared by ``Graph/sorting(inputs:layers:outputs:)`` and
/// the spec builder.
public enum TopologicalOrder {
    /// Positions of nodes ordered so that each comes after the nodes producing its inputs.
    ///
    /// Depth-first, dependencies first, starting from each node in the given order: an ordered
    /// list comes out unchanged, and the cost is linear in nodes and edges. Input names that no
    /// node produces (graph inputs, or undefined names left for validation) are skipped. A cycle
    /// is an `invalidGraph` error naming the nodes on it.
    public static func positions(names: [String], inputs: [[String]]) throws -> [Int] {
        var producer: [String: Int] = [:]
        for (position, name) in names.enumerated() where producer[name] == nil { producer[name] = position }
        enum Mark { case unvisited, inProgress, done }
        var marks = Array(repeating: Mark.unvisited, count: names.count)
        var order: [Int] = []
        order.reserveCapacity(names.count)
        for root in names.indices where marks[root] == .unvisited {
            var stack: [(position: Int, nextInput: Int)] = [(root, 0)]
            marks[root] = .inProgress
            while let top = stack.last {
                let edges = inputs[top.position]
                if top.nextInput == edges.count {
                    stack.removeLast()
                    marks[top.position] = .done
                    order.append(top.position)
                    continue
                }
                stack[stack.count - 1].nextInput += 1
                guard let dependency = producer[edges[top.nextInput]] else { continue }
                switch marks[dependency] {
                case .done: continue
                case .unvisited:
                    marks[dependency] = .inProgress
                    stack.append((dependency, 0))
                case .inProgress:
                    let cycleStart = stack.firstIndex { $0.position == dependency } ?? 0
                    let cycle = stack[cycleStart...].map { names[$0.position] }
                    throw ZooError(
                        .invalidGraph,
                        "A graph must have no cycle. Received: a cycle through \(cycle.map { "'\($0)'" }.joined(separator: " -> ")) -> '\(cycle[0])'.",
                        layer: cycle[0])
                }
            }
        }
        return order
    }
}
