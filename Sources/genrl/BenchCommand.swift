import ArgumentParser
import Foundation
import GenRLBenchmarks
import GenRLTensor

/// `genrl bench [NAME ...]`: the reference workloads of shared/BENCHMARKS.md, one line each
/// in the peer's format; with `--peer-python`, the PyTorch peer runs each workload right
/// after GenRL's (a shared machine's speed drifts over minutes) and the ratios are printed.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the reference workloads (median and minimum milliseconds per unit of work).")

    @Argument(help: "Workloads to run (default: all). Known: \(Workloads.all.map(\.name).joined(separator: ", ")).")
    var names: [String] = []

    @Option(help: "Python with PyTorch to run the peer workloads with, for ratios.")
    var peerPython: String?

    @Option(help: "The peer script (shared/peers/torch_workloads.py).")
    var peerScript: String = "../shared/peers/torch_workloads.py"

    @Option(help: "Script with the peers of GenRL's extra workloads.")
    var extraPeerScript: String = "scripts/bench/torch_extra_workloads.py"

    @Flag(help: "Also print, per workload, the time spent in matrix products and their multiply-adds.")
    var matrixProducts = false

    @Flag(help: "Also print, per workload, the time spent in the phases of an RL iteration (generation, reward, rollout passes, forward, backward, update).")
    var phases = false

    @Option(help: "Times to run the whole set (with a peer, GenRL and PyTorch alternate workload by workload).")
    var rounds = 1

    @Flag(help: "List the workloads and exit.")
    var list = false

    func validate() throws {
        for name in names where Workloads.named(name) == nil {
            throw ValidationError("unknown workload \"\(name)\"; known: \(Workloads.all.map(\.name).joined(separator: ", "))")
        }
        if rounds < 1 { throw ValidationError("--rounds must be at least 1, found \(rounds)") }
        if let peerPython, !FileManager.default.isExecutableFile(atPath: peerPython) {
            throw ValidationError("--peer-python \(peerPython) is not an executable file")
        }
    }

    func run() throws {
        if list {
            for workload in Workloads.all { print("\(workload.name)  \(workload.summary)") }
            return
        }
        let selected = names.isEmpty ? Workloads.all : names.compactMap(Workloads.named)
        // On standard error, so that standard output keeps the peer's line format.
        FileHandle.standardError.write(Data("matrix products: \(MatrixMultiply.backend), \(Parallel.threadCount) threads; AVX-512 kernels: \(WideKernels.description)\n".utf8))
        // With a peer, each workload is timed by GenRL and then at once by PyTorch, so that
        // both see the machine in the same state; `--rounds` repeats the whole set and the
        // ratio reported is the median of the rounds' ratios. `timings` holds GenRL's and
        // PyTorch's medians of each round in which both timed the workload.
        var timings: [String: [(genrl: Double, torch: Double)]] = [:]
        for round in 1...rounds {
            if rounds > 1 { say("# round \(round) of \(rounds)") }
            for workload in selected {
                let measurement = BenchmarkRunner.measure(workload, countingMatrixProducts: matrixProducts, countingPhases: phases)
                say(measurement.line)
                if let line = measurement.matrixProductLine { say(line) }
                if let line = measurement.phaseLine { say(line) }
                guard let peerPython, let torch = try runPeers(python: peerPython, names: [workload.name])[workload.name] else { continue }
                timings[workload.name, default: []].append((measurement.medianMilliseconds, torch))
            }
        }
        guard peerPython != nil else { return }
        say("\nworkload  genrl_median_ms  torch_median_ms  ratio" + (rounds > 1 ? "  (medians over \(rounds) rounds; ratios per round)" : ""))
        for workload in selected {
            guard let timed = timings[workload.name] else { continue }
            let ratios = timed.map { $0.genrl / $0.torch }
            let medians = [timed.map(\.genrl), timed.map(\.torch), ratios].map(BenchmarkRunner.median)
            var line = "\(workload.name)  \(String(format: "%.2f", medians[0]))  \(String(format: "%.2f", medians[1]))  \(String(format: "%.3f", medians[2]))"
            if rounds > 1 { line += "  (" + ratios.map { String(format: "%.3f", $0) }.joined(separator: " ") + ")" }
            say(line)
        }
    }

    /// Runs the peer scripts for the selected names; returns their median times.
    private func runPeers(python: String, names: [String]) throws -> [String: Double] {
        var medians: [String: Double] = [:]
        for (script, known) in [(peerScript, Self.peerNames), (extraPeerScript, Self.extraPeerNames)] {
            let wanted = names.filter { known.contains($0) }
            guard !wanted.isEmpty else { continue }
            guard FileManager.default.fileExists(atPath: script) else {
                throw ValidationError("peer script \(script) not found (set --peer-script / --extra-peer-script)")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, "--threads", "\(ProcessInfo.processInfo.environment["GENRL_THREADS"] ?? "2")"] + wanted
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            for line in output.split(separator: "\n") {
                say("torch: \(line)")
                if let (name, median, _) = BenchmarkRunner.parse(String(line)) { medians[name] = median }
            }
        }
        return medians
    }

    static let peerNames: Set<String> = ["gemm-1024", "lstm-mle", "lstm-sample", "seqgan-rollout", "reinvent-step", "gpt-ppo"]
    static let extraPeerNames: Set<String> = ["cross-entropy"]
}
