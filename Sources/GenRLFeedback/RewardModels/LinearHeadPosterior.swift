/// The Gaussian posterior of a linear reward head w on fixed features, as a Bayesian
/// linear model of the reward differences: with prior w ~ N(0, λ⁻¹ I) and observed pair
/// features xᵢ = φ(aᵢ) − φ(bᵢ), each with weight cᵢ (1, or the logistic curvature
/// pᵢ(1 − pᵢ) of a Laplace approximation of Bradley–Terry), the precision is
///
///   Λ = λ I + Σᵢ cᵢ xᵢ xᵢᵀ
///
/// and the predictive variance of the reward difference of a pair x is xᵀ Λ⁻¹ x — how
/// much a label on x can still tell about the head. The posterior keeps Λ⁻¹ (in Double) and
/// adds an observation by the Sherman–Morrison rank-one update
///
///   (Λ + c x xᵀ)⁻¹ = Λ⁻¹ − c (Λ⁻¹x)(Λ⁻¹x)ᵀ / (1 + c xᵀ Λ⁻¹ x).
public struct LinearHeadPosterior: Sendable {
    /// The feature dimension F.
    public let dimension: Int
    /// Λ⁻¹, F × F, row-major.
    public private(set) var covariance: [Double]

    /// The posterior after `observations` (each F long), observation i with weight
    /// `weights[i]` (all 1 when nil), from the prior precision `priorPrecision` λ > 0.
    /// Λ is inverted through its Cholesky factor.
    public init(dimension: Int, priorPrecision: Double, observations: [[Double]] = [], weights: [Double]? = nil) {
        precondition(priorPrecision > 0, "LinearHeadPosterior: prior precision \(priorPrecision) must be positive")
        precondition(weights == nil || weights!.count == observations.count, "LinearHeadPosterior: one weight per observation")
        let n = dimension
        var precision = [Double](repeating: 0, count: n * n)
        for i in 0..<n { precision[i * n + i] = priorPrecision }
        for (index, x) in observations.enumerated() {
            precondition(x.count == n, "LinearHeadPosterior: observation of \(x.count) features, expected \(n)")
            let c = weights?[index] ?? 1
            for i in 0..<n where x[i] != 0 {
                let cxi = c * x[i]
                for j in 0...i { precision[i * n + j] += cxi * x[j] }
            }
        }
        self.dimension = n
        covariance = Self.inverseOfPositiveDefinite(lowerTriangle: precision, dimension: n)
    }

    /// The predictive variance xᵀ Λ⁻¹ x of the reward difference of pair features `x`.
    public func variance(of x: [Double]) -> Double {
        var total = 0.0
        for i in 0..<dimension where x[i] != 0 {
            var row = 0.0
            for j in 0..<dimension { row += covariance[i * dimension + j] * x[j] }
            total += x[i] * row
        }
        return total
    }

    /// Λ⁻¹ x.
    public func covarianceTimes(_ x: [Double]) -> [Double] {
        (0..<dimension).map { i in
            var sum = 0.0
            for j in 0..<dimension { sum += covariance[i * dimension + j] * x[j] }
            return sum
        }
    }

    /// Adds the observation `x` with weight `weight` (Sherman–Morrison, see the type).
    public mutating func observe(_ x: [Double], weight: Double = 1) {
        let u = covarianceTimes(x)
        let denominator = 1 + weight * zip(x, u).reduce(0) { $0 + $1.0 * $1.1 }
        let n = dimension
        for i in 0..<n {
            let scaled = weight * u[i] / denominator
            for j in 0..<n { covariance[i * n + j] -= scaled * u[j] }
        }
    }

    /// A⁻¹ for a symmetric positive-definite A given by its lower triangle (row-major,
    /// the upper part ignored): A = L Lᵀ (Cholesky), then A⁻¹ = L⁻ᵀ L⁻¹.
    static func inverseOfPositiveDefinite(lowerTriangle a: [Double], dimension n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    precondition(sum > 0, "LinearHeadPosterior: the precision matrix is not positive definite")
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        // M = L⁻¹, lower triangular, by forward substitution column by column.
        var m = [Double](repeating: 0, count: n * n)
        for column in 0..<n {
            m[column * n + column] = 1 / l[column * n + column]
            for i in (column + 1)..<n {
                var sum = 0.0
                for k in column..<i { sum -= l[i * n + k] * m[k * n + column] }
                m[i * n + column] = sum / l[i * n + i]
            }
        }
        // A⁻¹[i][j] = Σₖ M[k][i] M[k][j], k ≥ max(i, j).
        var inverse = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = 0.0
                for k in i..<n { sum += m[k * n + i] * m[k * n + j] }
                inverse[i * n + j] = sum
                inverse[j * n + i] = sum
            }
        }
        return inverse
    }
}
