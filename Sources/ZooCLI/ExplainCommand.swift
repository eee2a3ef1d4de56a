import ArgumentParser
import ZooCore

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "The lecture's arithmetic for one layer, numbers filled in.",
        discussion: "Output size with the total padding p = top + bottom, parameters (k_h x k_w x c_in + 1) x c_out, MACs, FLOPs and the receptive-field recurrence.")

    @OptionGroup var model: ModelOptions

    @Argument(help: "The layer's name, as `zoo analyze` lists it.")
    var layer: String

    func run() throws {
        Console.out(try LayerExplanation.explain(try model.load(), layer: layer))
    }
}
