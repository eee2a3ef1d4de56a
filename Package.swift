// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "zoo",
    products: [
        .library(name: "ZooCore", targets: ["ZooCore"]),
        .executable(name: "zoo", targets: ["ZooCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "ZooCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "ZooCLI",
            dependencies: [
                "ZooCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ZooCoreTests", dependencies: ["ZooCore"]),
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCLI"]),
    ],
    swiftLanguageModes: [.v6]
)
