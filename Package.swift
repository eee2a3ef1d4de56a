// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "zoo",
    products: [
        .library(name: "ZooCore", targets: ["ZooCore"]),
        .library(name: "ZooONNX", targets: ["ZooONNX"]),
        .library(name: "ZooExec", targets: ["ZooExec"]),
        .library(name: "ZooKeras", targets: ["ZooKeras"]),
        .library(name: "ZooSandbox", targets: ["ZooSandbox"]),
        .executable(name: "zoo", targets: ["ZooCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .target(
            name: "ZooCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // OpenBLAS's CBLAS (Debian libopenblas-dev), found through pkg-config.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // zoo's own matrix kernels: one C source compiled per instruction set (function target
        // attributes, picked at run time), so no compiler flags are needed.
        .target(name: "CZooKernels"),
        .target(name: "ZooExec", dependencies: ["ZooCore", "CBLAS", "CZooKernels"]),
        // HDF5 (Debian libhdf5-dev), found through pkg-config's serial build.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        // A forked child confined by rlimits and a seccomp filter (Debian libseccomp-dev), for
        // libraries that parse untrusted files (libhdf5).
        .target(name: "CZooSandbox", linkerSettings: [.linkedLibrary("seccomp", .when(platforms: [.linux]))]),
        .target(name: "ZooSandbox", dependencies: ["ZooCore", "CZooSandbox"]),
        .target(
            name: "ZooKeras",
            dependencies: ["ZooCore", "ZooArchive", "ZooSandbox", "CHDF5", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .target(
            name: "COnnx",
            exclude: ["onnx.proto"],
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),
        // zlib (Debian zlib1g-dev): the CRC-32 of zip entries.
        .systemLibrary(name: "CZooZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Mapped files and bounded reading of zip entries, shared by ONNX (.npz, external data) and Keras (.keras).
        .target(name: "ZooArchive", dependencies: ["ZooCore", "CZooZlib", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(
            name: "ZooONNX",
            dependencies: ["ZooCore", "ZooArchive", "COnnx", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // libFuzzer targets (fuzz/README.md: debug + ASan builds in their own scratch path): the ONNX
        // reader on model files (`make fuzz`) and the tensor-file readers (`make fuzz-tensor`).
        .target(name: "ZooFuzzSupport"),
        .executableTarget(name: "ZooONNXFuzz", dependencies: ["ZooCore", "ZooONNX", "ZooFuzzSupport"]),
        .executableTarget(name: "ZooTensorFuzz", dependencies: ["ZooCore", "ZooONNX", "ZooFuzzSupport"]),
        // libFuzzer target for the Keras reader (.h5 images and .keras archives): `make fuzz-keras`.
        .executableTarget(name: "ZooKerasFuzz", dependencies: ["ZooCore", "ZooKeras", "ZooSandbox"]),
        // The parent's side of a sandboxed Keras read on arbitrary child messages: `make fuzz-keras-snapshot`.
        .executableTarget(name: "ZooKerasSnapshotFuzz", dependencies: ["ZooCore", "ZooKeras"]),
        .executableTarget(
            name: "ZooCLI",
            dependencies: [
                "ZooCore",
                "ZooONNX",
                "ZooExec",
                "ZooKeras",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share (fixture paths, closeness, temporary folders); no product, no library depends on it.
        .target(name: "ZooTestSupport", dependencies: ["ZooCore"], path: "Tests/ZooTestSupport"),
        .testTarget(name: "ZooCoreTests", dependencies: ["ZooCore", "ZooTestSupport"]),
        .testTarget(name: "ZooONNXTests", dependencies: ["ZooONNX", "ZooTestSupport"]),
        .testTarget(name: "ZooExecTests", dependencies: ["ZooExec", "CZooKernels", "ZooTestSupport"]),
        .testTarget(name: "ZooSandboxTests", dependencies: ["ZooSandbox", "ZooCore"]),
        .testTarget(name: "ZooKerasTests", dependencies: ["ZooKeras", "ZooArchive", "ZooExec", "ZooONNX", "ZooSandbox", "ZooTestSupport"]),
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCLI", "ZooONNX", "ZooTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
