import Foundation
import GenRLTensor

/// One unit of real work, timed by `genrl bench` exactly as the PyTorch peer
/// (`shared/peers/torch_workloads.py`) times its twin.
public struct BenchmarkWorkload: Sendable {
    /// The name shared with the PyTorch workload (`gemm-1024`, `lstm-mle`, …).
    public let name: String
    /// What one unit of work is, with its shapes.
    public let summary: String
    /// Builds the models and data (untimed) and returns one unit of work.
    public let prepare: @Sendable () -> () -> Void

    /// A workload called `name`, described by `summary`, whose work `prepare` builds.
    public init(name: String, summary: String, prepare: @escaping @Sendable () -> () -> Void) {
        self.name = name
        self.summary = summary
        self.prepare = prepare
    }
}

/// The timing rule of `shared/BENCHMARKS.md`: one warm-up run, then at least
/// `minimumRepetitions` timed runs and until `minimumSeconds` have passed (at most
/// `maximumRepetitions`); the figures are the median and the minimum.
public enum BenchmarkRunner {
    /// The timing of one workload.
    public struct Measurement: Sendable {
        /// The workload's name.
        public let name: String
        /// The median of the timed runs, in milliseconds.
        public let medianMilliseconds: Double
        /// The fastest timed run, in milliseconds.
        public let minimumMilliseconds: Double
        /// The mean of the timed runs, in milliseconds.
        public var meanMilliseconds: Double = 0
        /// How many runs were timed (the warm-up not counted).
        public let repetitions: Int
        /// The matrix products of all timed runs, when they were counted.
        public var matrixProducts: MatrixProductTally.Totals? = nil
        /// Nanoseconds per phase (`PhaseTally`) over all timed runs, when they were counted.
        public var phases: [String: UInt64]? = nil

        /// `<name>  median_ms=<m>  min_ms=<m>`, the peer's line format.
        public var line: String {
            "\(name)  median_ms=\(String(format: "%.2f", medianMilliseconds))  min_ms=\(String(format: "%.2f", minimumMilliseconds))"
        }

        /// Per unit of work: the products' wall-clock time and its share of the unit's
        /// (both means over the timed runs), their multiply-adds and count (nil when they
        /// were not counted).
        public var matrixProductLine: String? {
            guard let totals = matrixProducts else { return nil }
            let units = Double(repetitions)
            let milliseconds = Double(totals.nanoseconds) / 1e6 / units
            var line = String(format: "%@  matrix products: %.1f ms per unit (%.0f%% of its time), %.2f G multiply-adds, %.0f products",
                              name, milliseconds, 100 * milliseconds / meanMilliseconds,
                              Double(totals.multiplyAdds) / 1e9 / units, Double(totals.products) / units)
            if totals.productsInParallelLoops > 0 {
                line += String(format: " (%.0f inside parallel loops, not timed)", Double(totals.productsInParallelLoops) / units)
            }
            return line
        }

        /// Per unit of work, the milliseconds of each phase the workload marks, in the order
        /// they first run in an RL iteration, and of the rest (nil when they were not counted).
        public var phaseLine: String? {
            guard let phases else { return nil }
            let units = Double(repetitions)
            let order = ["generation", "reward", "rollout passes", "forward", "backward", "update"]
            let names = order.filter { phases[$0] != nil } + phases.keys.filter { !order.contains($0) }.sorted()
            let milliseconds = names.map { Double(phases[$0]!) / 1e6 / units }
            var parts = zip(names, milliseconds).map { String(format: "%@ %.1f", $0, $1) }
            parts.append(String(format: "the rest %.1f", meanMilliseconds - milliseconds.reduce(0, +)))
            return "\(name)  phases (ms per unit): " + parts.joined(separator: ", ")
        }
    }

    /// Prepares `workload`, runs it once untimed, then times it by the rule above; with
    /// `countingMatrixProducts`, also tallies the timed runs' matrix products, and with
    /// `countingPhases` the time of the phases the workload marks (`PhaseTally`).
    public static func measure(_ workload: BenchmarkWorkload, minimumRepetitions: Int = 5, minimumSeconds: Double = 2,
                               maximumRepetitions: Int = 200, countingMatrixProducts: Bool = false,
                               countingPhases: Bool = false) -> Measurement {
        let step = workload.prepare()
        step()  // warm-up
        MatrixProductTally.reset()
        MatrixProductTally.isEnabled = countingMatrixProducts
        PhaseTally.reset()
        PhaseTally.isEnabled = countingPhases
        defer { MatrixProductTally.isEnabled = false; PhaseTally.isEnabled = false }
        var times: [Double] = []
        while times.count < minimumRepetitions || (times.reduce(0, +) < minimumSeconds * 1000 && times.count < maximumRepetitions) {
            let start = DispatchTime.now().uptimeNanoseconds
            step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        var measurement = Measurement(name: workload.name, medianMilliseconds: median(times), minimumMilliseconds: times.min()!,
                                      repetitions: times.count)
        measurement.meanMilliseconds = times.reduce(0, +) / Double(times.count)
        if countingMatrixProducts { measurement.matrixProducts = MatrixProductTally.totals }
        if countingPhases { measurement.phases = PhaseTally.totals }
        return measurement
    }

    /// The median of a non-empty list (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Parses a peer line back into (name, median, minimum).
    public static func parse(_ line: String) -> (name: String, median: Double, minimum: Double)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[1].hasPrefix("median_ms="), parts[2].hasPrefix("min_ms="),
              let median = Double(parts[1].dropFirst("median_ms=".count)),
              let minimum = Double(parts[2].dropFirst("min_ms=".count)) else { return nil }
        return (String(parts[0]), median, minimum)
    }
}
