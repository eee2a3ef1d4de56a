import ZooCore

/// One NumPy `.npy` array: decoding its bytes into a float32 ``Tensor`` and encoding a tensor
/// as NumPy writes it.
///
/// Reading accepts format versions 1.0, 2.0 and 3.0 and the dtypes of ``NpyElementType``; the
/// data after the header must be exactly product(shape) x itemsize bytes. Fortran-order arrays
/// are transposed into C order (the tensor equals what `numpy.load` returns). float32 data is
/// borrowed from the buffer when its owner is given and the data is aligned, as readers must
/// never copy weights they can borrow; every other type is converted into new storage.
///
/// Writing produces version 1.0, `<f4`, C order, with the header byte for byte as `numpy.save`
/// writes it, so that zoo and NumPy write the same file for the same array.
enum NpyFile {
    /// The tensor in `bytes`, a whole `.npy` file. `owner`, when given, keeps `bytes` alive and
    /// lets float32 data be borrowed rather than copied.
    static func decode(_ bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws -> Tensor {
        let header = try NpyHeader(parsing: bytes)
        let type = try NpyElementType(descr: header.descr)
        let shapeText = NpyHeader.tupleText(header.shape)
        let count: Int, byteCount: Int
        do {
            count = try Checked.product(header.shape)
            byteCount = try Checked.multiply(count, type.byteSize)
        } catch {
            throw ZooError(
                .malformedFile,
                "A .npy shape's byte size (product(shape) x itemsize) must fit in 64 bits. Received: shape \(shapeText) of \(header.descr).")
        }
        let available = bytes.count - header.dataOffset
        guard available == byteCount else {
            throw ZooError(
                .malformedFile,
                "A .npy file must hold exactly product(shape) x itemsize bytes after its header. Received: shape \(shapeText) of \(header.descr) needs \(byteCount) bytes, the file has \(available).")
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset...])
        let shape = header.shape
        let fortran = header.fortranOrder && shape.count > 1
        if type == .float32, let base = data.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            let floats = UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: count)
            if fortran { return try Tensor(shape: shape, storage: FortranOrder.toCOrder(floats, shape: shape)) }
            if let owner { return try Tensor(shape: shape, storage: TensorStorage(borrowing: floats, keepingAlive: owner)) }
        }
        let converted = try TensorStorage(count: count) { type.convert(data, count: count, into: $0) }
        guard fortran else { return try Tensor(shape: shape, storage: converted) }
        return try Tensor(shape: shape, storage: FortranOrder.toCOrder(converted.buffer, shape: shape))
    }

    /// The header of `tensor` as a version 1.0 `<f4` C-order `.npy`; its float32 elements
    /// (little-endian, as on every host zoo runs on) follow it in the file.
    static func header(for tensor: Tensor) -> [UInt8] {
        NpyHeader(descr: NpyElementType.float32.descr, shape: tensor.shape).encoded()
    }
}
