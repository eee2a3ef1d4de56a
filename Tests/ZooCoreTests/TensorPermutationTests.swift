import Testing
import ZooCore

/// `Tensor.permuted`: output axis k is input axis order[k].
@Suite("Tensor permutation")
struct TensorPermutationTests {
    /// A 2x3 matrix 0...5 transposed: rows (0, 3), (1, 4), (2, 5).
    @Test func matrixTranspose() throws {
        let matrix = try Tensor(shape: [2, 3], values: [0, 1, 2, 3, 4, 5])
        let transposed = try matrix.permuted([1, 0])
        #expect(transposed.shape == [3, 2])
        #expect(transposed.values == [0, 3, 1, 4, 2, 5])
    }

    /// HWIO -> OIHW on a (2, 3, 4, 5) kernel whose element (h, w, i, o) holds 1000h + 100w +
    /// 10i + o: every output element (o, i, h, w) must hold that same code.
    @Test func convKernelHWIOToOIHW() throws {
        let (h, w, i, o) = (2, 3, 4, 5)
        var codes: [Float] = []
        for a in 0..<h { for b in 0..<w { for c in 0..<i { for d in 0..<o { codes.append(Float(1000 * a + 100 * b + 10 * c + d)) } } } }
        let oihw = try Tensor(shape: [h, w, i, o], values: codes).permuted([3, 2, 0, 1])
        #expect(oihw.shape == [o, i, h, w])
        var expected: [Float] = []
        for d in 0..<o { for c in 0..<i { for a in 0..<h { for b in 0..<w { expected.append(Float(1000 * a + 100 * b + 10 * c + d)) } } } }
        #expect(oihw.values == expected)
    }

    @Test func declaredStaysDeclaredAndBadOrdersAreRefused() throws {
        let declared = try Tensor.declared(shape: [2, 3, 4]).permuted([2, 0, 1])
        #expect(declared.shape == [4, 2, 3] && !declared.isMaterialized)
        #expect(throws: ZooError.self) { try Tensor.declared(shape: [2, 3]).permuted([0, 0]) }
        #expect(throws: ZooError.self) { try Tensor.declared(shape: [2, 3]).permuted([1]) }
    }

    /// A tensor with a zero dimension has no elements to move, whatever its other dimensions
    /// (whose strides would not fit in an Int): the permuted shape, no arithmetic on them.
    @Test func emptyTensorsWithHugeDimensions() throws {
        let empty = try Tensor(shape: [0, 1 << 40, 1 << 40, 1], values: [])
        let permuted = try empty.permuted([3, 2, 0, 1])
        #expect(permuted.shape == [1, 1 << 40, 0, 1 << 40] && permuted.count == 0)
    }
}
