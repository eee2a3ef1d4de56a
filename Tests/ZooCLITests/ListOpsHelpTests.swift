import Foundation
import Testing
import ZooCore

@Suite("zoo list, zoo ops, help and usage")
struct ListOpsHelpTests {
    static let networks = ["lenet5", "alexnet", "alexnet2012", "vgg16", "googlenet", "resnet18", "resnet50", "mobilenet", "mobilenetv2"]

    static let opNames = Op.allKinds.map { $0.info.name }

    @Test func listShowsAllNineNetworks() throws {
        let result = try ZooProcess.run(["list"])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(result.stderr.isEmpty)
        let firstColumn = Set(result.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
        for network in Self.networks {
            #expect(firstColumn.contains(network), "zoo list must list \(network)")
        }
    }

    @Test func listJSONHasTheTorchvisionTotalsForResNet18() throws {
        let result = try ZooProcess.run(["list", "--format", "json"])
        #expect(result.status == 0, "\(result)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["name"] as? String }) == Set(Self.networks))
        #expect(rows.count == Self.networks.count)
        let resnet18 = try #require(rows.first { $0["name"] as? String == "resnet18" })
        #expect(resnet18["params_trainable"] as? Int == 11_689_512)
        #expect(resnet18["macs"] as? Int == 1_814_073_344)
    }

    @Test("a copy of the binary elsewhere, started from another folder, still finds the built-in specs")
    func installedCopyFindsTheZoo() throws {
        let built = try #require(ZooProcess.executable)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-installed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let installed = folder.appendingPathComponent("zoo")
        try FileManager.default.copyItem(at: built, to: installed)
        let result = try ZooProcess.run(
            ["analyze", "resnet18", "--format", "json"], in: URL(fileURLWithPath: "/"), executable: installed)
        #expect(result.status == 0, "\(result)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let totals = try #require(report["totals"] as? [String: Any])
        // torchvision's resnet18 MACs (REFERENCE.md).
        #expect(totals["macs"] as? Int == 1_814_073_344)
    }

    @Test(arguments: ["csv", "markdown"])
    func listOtherFormats(_ format: String) throws {
        let result = try ZooProcess.run(["list", "--format", format])
        #expect(result.status == 0, "\(result)")
        for network in Self.networks { #expect(result.stdout.contains(network)) }
    }

    @Test func opsListsEveryIROp() throws {
        let result = try ZooProcess.run(["ops", "--format", "json"])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let names = rows.compactMap { $0["op"] as? String }
        for op in Self.opNames { #expect(names.contains(op), "zoo ops must list \(op)") }

        let table = try ZooProcess.run(["ops"])
        #expect(table.status == 0, "\(table)")
        let firstColumn = Set(table.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
        for op in Self.opNames { #expect(firstColumn.contains(op), "zoo ops (table) must list \(op)") }
    }

    @Test(arguments: [["--help"], ["analyze", "--help"], ["explain", "--help"], ["graph", "--help"], ["list", "--help"], ["ops", "--help"], ["help", "analyze"]])
    func help(_ args: [String]) throws {
        let result = try ZooProcess.run(args)
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(result.stdout.contains("USAGE"), "\(result.stdout.prefix(300))")
    }

    @Test func topLevelHelpNamesTheSubcommands() throws {
        let result = try ZooProcess.run(["--help"])
        for command in ["analyze", "explain", "graph", "list", "ops"] {
            #expect(result.stdout.contains(command), "\(command)")
        }
    }

    @Test(arguments: [["bogus"], ["analyze"], ["analyze", "lenet5", "--no-such-flag"], ["list", "extra"]])
    func usageErrorsExitWith2(_ args: [String]) throws {
        let result = try ZooProcess.run(args)
        #expect(!result.signaled)
        #expect(result.status == 2, "argument-parser's 64 must be mapped to 2: \(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("zoo: error: "), "\(result.stderr)")
    }
}
