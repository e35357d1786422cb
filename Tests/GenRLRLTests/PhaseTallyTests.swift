import GenRLRL
import GenRLTensor
import Testing

/// `genrl bench --phases` reads the parts of an RL iteration that the code marks.
@Suite("Phase tally")
struct PhaseTallyTests {
    @Test func aPPOIterationMarksItsPartsOnlyWhileCounting() throws {
        let algorithm = PPO(setup: ToyTask.setup(valueHead: true))
        PhaseTally.reset()
        _ = try algorithm.iterate()
        #expect(PhaseTally.totals.isEmpty)

        PhaseTally.isEnabled = true
        defer { PhaseTally.isEnabled = false }
        _ = try algorithm.iterate()
        let totals = PhaseTally.totals
        for phase in ["generation", "reward", "rollout passes", "forward", "backward", "update"] {
            #expect((totals[phase] ?? 0) > 0, "\(phase): \(totals)")
        }
    }
}
