import Foundation
import GenRLTensor
import Testing

/// A small network (linear, layer norm, GELU, linear, log-softmax, masked cross-entropy)
/// evaluated by PyTorch in float64 in `Fixtures/tensor/make_network_fixture.py`; GenRL,
/// in float32, must give the same loss and gradients to 1e-5 relative, measured per
/// tensor as ‖genrl − torch‖₂ / ‖torch‖₂. (Per element the test would be about float32
/// rounding, not about the implementation: some gradient entries are sums of terms that
/// cancel to 10⁻⁶ of their size, and any float32 summation order changes their last digits.)
@Suite("Agrees with PyTorch on a small network")
struct PyTorchNetworkTests {
    struct Fixture: Decodable {
        let shapes: [String: [Int]]
        let x, w1, b1, gamma, beta, w2, b2, mask: [Float]
        let targets: [Int]
        let loss: Float
        let log_probs: [Float]
        let gradients: [String: [Float]]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/tensor/network_fixture.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    func expectRelativelyClose(_ value: [Float], _ reference: [Float], _ name: String) {
        #expect(value.count == reference.count, "\(name): \(value.count) vs \(reference.count) elements")
        let difference = zip(value, reference).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        let size = reference.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        #expect(difference <= 1e-5 * size, "\(name): relative difference \(difference / size)")
    }

    /// Both with the fused kernels (layer norm, cross-entropy) and with their compositions
    /// from primitive operations.
    @Test(arguments: [false, true])
    func lossAndGradients(fused: Bool) {
        let f = Self.fixture
        func tensor(_ values: [Float], _ name: String) -> Tensor { Tensor(values, shape: f.shapes[name]!) }
        let inputs = [tensor(f.x, "x"), tensor(f.w1, "w1"), tensor(f.b1, "b1"), tensor(f.gamma, "gamma"),
                      tensor(f.beta, "beta"), tensor(f.w2, "w2"), tensor(f.b2, "b2")]
        let shape = f.shapes["x"]!
        let targets = IntTensor(f.targets, shape: [shape[0], shape[1]])
        let mask = Tensor(f.mask, shape: [shape[0], shape[1]])
        var logProbabilities: Tensor?

        let (loss, grads) = valueAndGradients(at: inputs) { p in
            var h = Tensor.linear(p[0], weight: p[1], bias: p[2])
            if fused {
                h = Tensor.layerNorm(h, weight: p[3], bias: p[4])
            } else {
                let mean = h.mean(axis: -1, keepingDimensions: true)
                let variance = h.variance(alongAxes: [-1], keepingDimensions: true, correction: 0)
                h = (h - mean) / (variance + 1e-5).sqrt() * p[3] + p[4]
            }
            h = h.gelu()
            let logits = Tensor.linear(h, weight: p[5], bias: p[6])
            if fused {
                return Tensor.crossEntropy(logits: logits, targets: targets, weights: mask)
            }
            let logp = logits.logSoftmax()
            logProbabilities = logp.detached()
            let picked = logp.gather(targets.reshaped(targets.shape + [1]), axis: -1).squeezing(axis: -1)
            return -(picked * mask).sum() / mask.sum()
        }
        expectRelativelyClose([loss.item], [f.loss], "loss")
        if let logProbabilities { expectRelativelyClose(logProbabilities.scalars, f.log_probs, "log_probs") }
        for (name, gradient) in zip(["x", "w1", "b1", "gamma", "beta", "w2", "b2"], grads) {
            expectRelativelyClose(gradient.scalars, f.gradients[name]!, "d loss / d \(name)")
        }
    }
}
