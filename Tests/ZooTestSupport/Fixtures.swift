import Foundation

/// Where the package's committed test data lives, found from this file's path
/// (`Tests/ZooTestSupport/Fixtures.swift`), so that every test target finds it whatever the
/// working directory and however the tests are started.
public enum Fixtures {
    /// The package root: the folder holding Package.swift, `fixtures/` and `zoo/`.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `fixtures/` folder: committed models, reference tensors and their manifests.
    public static let root = packageRoot.appendingPathComponent("fixtures")

    /// The path of `relative` inside `fixtures/`, for example `path("onnx/resnet_mini.onnx")`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
