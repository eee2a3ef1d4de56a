import ZooCore

/// A numeric dataset of an HDF5 file, as ``HDF5Walk`` found it: its shape, read as float32.
struct HDF5Dataset {
    let file: HDF5Contents
    let path: String
    /// Dimensions, outermost first.
    let shape: [Int]
    private let elements: HDF5Contents.Elements

    /// The dataset the walk opened at `path`.
    ///
    /// - Throws: why it would not open (`malformedFile`), as the walk recorded it.
    init(file: HDF5Contents, path: String) throws {
        guard let result = file.datasets[path] else {
            throw ZooError(.malformedFile, "A weight dataset must open. Received: '\(path)', which the reader's walk did not open.", file: file.name)
        }
        let dataset = try result.get()
        self.file = file
        self.path = path
        shape = dataset.shape
        elements = dataset.elements
    }

    /// The elements as float32: borrowed from the file's bytes when they are stored there as
    /// little-endian float32 at a 4-byte-aligned address, copied from them when misaligned, or
    /// as libhdf5 decoded them (float16/float64/integers, compressed or chunked).
    ///
    /// - Throws: what the walk found wrong with the dataset: `malformedFile` when it declares
    ///   more bytes than the file holds or libhdf5 failed to read it; `unsupported` for data kept
    ///   outside the file or not numbers.
    func floats() throws -> Tensor {
        let count = try Checked.product(shape, "the element count of '\(path)' \(shape)")
        switch elements {
        case .refused(let error):
            throw error
        case .decoded(let storage):
            guard let storage else {
                throw ZooError(.malformedFile, "A weight dataset must be readable. Received: '\(path)' \(shape), whose elements never arrived.", file: file.name)
            }
            return try Tensor(shape: shape, storage: storage)
        case .inFile(let offset):
            guard count > 0, let base = file.bytes.baseAddress else { return try Tensor(shape: shape, storage: TensorStorage(count: 0) { _ in }) }
            let start = base + offset
            if Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
                let elements = UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: count)
                return try Tensor(shape: shape, storage: TensorStorage(borrowing: elements, keepingAlive: file.owner))
            }
            let storage = try TensorStorage(count: count) { values in
                UnsafeMutableRawBufferPointer(values).copyMemory(from: UnsafeRawBufferPointer(start: start, count: count * 4))
            }
            return try Tensor(shape: shape, storage: storage)
        }
    }
}
