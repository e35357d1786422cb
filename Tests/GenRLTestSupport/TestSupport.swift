import Foundation
import GenRLTensor
import Testing

// Helpers shared by the test targets (a library target, so that each test target does not
// keep its own copy).

/// Central finite differences against reverse-mode gradients.
///
/// `f` is reduced to a scalar as Σ f(x) ⊙ w with fixed random weights w, so that every
/// output element matters with a different weight. Each input element is perturbed by
/// ±step and (L(x + step) − L(x − step)) / 2step (in Double) is compared with the
/// analytic gradient: |analytic − numeric| ≤ absoluteTolerance + relativeTolerance·|numeric|.
/// The first wrong element of each input is reported.
public func expectGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], step: Float = 1e-2, absoluteTolerance: Float = 2e-3, relativeTolerance: Float = 1e-2,
    seed: UInt64 = 7, sourceLocation: SourceLocation = #_sourceLocation, _ f: @escaping ([Tensor]) -> Tensor
) {
    let probe = withNoGrad { f(inputs) }
    var generator = RandomGenerator(seed: seed)
    let weights = Tensor.randomUniform(probe.shape, lowerBound: 0.5, upperBound: 1.5, using: &generator)
    let loss: ([Tensor]) -> Tensor = { xs in (f(xs) * weights).sum() }

    let (_, analytic) = valueAndGradients(at: inputs, of: loss)
    for (inputIndex, input) in inputs.enumerated() {
        #expect(analytic[inputIndex].shape == input.shape, sourceLocation: sourceLocation)
        for element in 0..<input.count {
            func evaluate(_ delta: Float) -> Double {
                let perturbed = input.copy()
                perturbed.withMutableScalars { $0[element] += delta }
                var arguments = inputs
                arguments[inputIndex] = perturbed
                return Double(withNoGrad { loss(arguments) }.item)
            }
            let numeric = Float((evaluate(step) - evaluate(-step)) / Double(2 * step))
            let value = analytic[inputIndex].scalars[element]
            let tolerance = absoluteTolerance + relativeTolerance * Swift.abs(numeric)
            if !(Swift.abs(value - numeric) <= tolerance) {
                Issue.record("input \(inputIndex) element \(element): analytic \(value) vs finite difference \(numeric)",
                             sourceLocation: sourceLocation)
                break
            }
        }
    }
}

/// A tensor of the given shape with entries uniform in [low, high) from a fixed seed.
public func uniformTensor(_ shape: [Int], _ low: Float = -1, _ high: Float = 1, seed: UInt64 = 1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape, lowerBound: low, upperBound: high, using: &generator)
}

/// Entries uniform in ±[low, high): bounded away from zero (for kinks at 0).
public func awayFromZero(_ shape: [Int], _ low: Float = 0.2, _ high: Float = 1.5, seed: UInt64 = 3) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    let magnitudes = Tensor.randomUniform(shape, lowerBound: low, upperBound: high, using: &generator)
    let signs = Tensor.randomUniform(shape, using: &generator).scalars.map { $0 < 0.5 ? Float(-1) : 1 }
    return magnitudes * Tensor(signs, shape: shape)
}

/// |a − b| ≤ tolerance element-wise, with a message naming the first difference.
public func expectClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    guard a.shape == b.shape else { return }
    for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where !(Swift.abs(x - y) <= tolerance) {
        Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}

/// The executable `name` of this package, built beside the test bundle
/// (`swift build --build-tests` builds the executables the tests depend on).
public func builtExecutable(named name: String) throws -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    #if os(Linux)
    if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
    }
    #endif
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw ExecutableNotFound(name: name, near: CommandLine.arguments[0])
}

/// `builtExecutable(named:)` found nothing.
public struct ExecutableNotFound: Error, CustomStringConvertible {
    public let name: String
    public let near: String
    public var description: String { "\(name) not found near \(near); build with `swift build --build-tests`" }
}
