import Testing
import ZooCore
import ZooTestSupport

/// The tests' own tolerance rule (ZooTestSupport's `isClose`), which every oracle comparison
/// goes through: if it let too much pass, every test built on it would pass with it.
@Suite("The tests' closeness rule")
struct ClosenessRuleTests {
    @Test func theBoundIsAtolPlusRtolTimesTheExpectedValue() {
        // 1e-5 + 1e-4 * 100 = 0.01001.
        #expect(isClose(100.01, 100, rtol: 1e-4, atol: 1e-5))
        #expect(!isClose(100.0101, 100, rtol: 1e-4, atol: 1e-5))
        #expect(!isClose(99.9899, 100, rtol: 1e-4, atol: 1e-5))
        // The bound scales with the expected value, not the actual one.
        #expect(!isClose(0.1, 0, rtol: 1, atol: 0))
    }

    @Test func nanAndInfinitiesMatchOnlyThemselves() {
        #expect(isClose(.nan, .nan, rtol: 1e-4, atol: 1e-5))
        #expect(!isClose(.nan, 1, rtol: 1e-4, atol: 1e-5))
        #expect(!isClose(1, .nan, rtol: 1e-4, atol: 1e-5))
        #expect(isClose(.infinity, .infinity, rtol: 1e-4, atol: 1e-5))
        #expect(!isClose(-.infinity, .infinity, rtol: 1e-4, atol: 1e-5))
        #expect(!isClose(.infinity, 1e30, rtol: 1, atol: 1))
    }

    @Test func tensorsNameTheFirstElementThatIsNotClose() throws {
        let expected = try Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        #expect(closenessProblem(try Tensor(shape: [2, 2], values: [1, 2, 3, 4.00001]), expected, rtol: 1e-4, atol: 1e-5) == nil)
        let problem = closenessProblem(try Tensor(shape: [2, 2], values: [1, 2, 3.1, 4]), expected, rtol: 1e-4, atol: 1e-5)
        #expect(problem?.contains("element [1, 0]") == true, "\(problem ?? "nil")")
        #expect(closenessProblem(try Tensor(shape: [4], values: [1, 2, 3, 4]), expected, rtol: 1, atol: 1)?.contains("shape") == true)
    }
}
