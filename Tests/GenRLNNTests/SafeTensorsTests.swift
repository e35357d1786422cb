import Foundation
import GenRLNN
import GenRLTensor
import Testing

@Suite("safetensors files")
struct SafeTensorsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/nn")

    @Test func readsEveryElementTypeWrittenByTheReferenceLibrary() throws {
        let archive = try SafeTensors.read(contentsOf: Self.fixtures.appendingPathComponent("dtypes.safetensors"))
        #expect(archive.metadata == ["format": "pt", "note": "GenRL fixture"])
        let f32 = try archive.tensor("f32")
        #expect(f32.shape == [2, 3])
        #expect(f32.scalars == [0, 1.5, -2.25, 3.0e-8, 1.0e30, -0.0])
        #expect(try archive.tensor("f64").scalars == [0.1, -0.0, 12345.678])
        #expect(try archive.tensor("f16").scalars == [1.5, -2.25, 65504, Float(bitPattern: 0x3380_0000), .infinity])
        #expect(try archive.tensor("bf16").scalars == [0.5, -3, Float(bitPattern: 0x7E96_0000)])
        #expect(try archive.integerTensor("i64") == IntTensor([[1, -2], [3, 2_147_483_647]]))
        #expect(try archive.integerTensor("i32").scalars == [7, -8])
        #expect(try archive.integerTensor("u8").scalars == [0, 255])
        #expect(throws: SafeTensorsError.self) { try archive.tensor("absent") }
    }

    @Test func writeThenReadGivesTheSameTensors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        var generator = RandomGenerator(seed: 1)
        let weights = ["layer.weight": Tensor.randomNormal([3, 5], using: &generator), "bias": Tensor([1, 2, 3]),
                       "scalar": Tensor(scalar: 4)]
        try SafeTensors.write(weights, integerTensors: ["ids": IntTensor([[1, 2], [3, 4]])], metadata: ["step": "7"], to: url)
        try SafeTensors.write(weights, metadata: ["step": "8"], to: url)  // replacing an existing file
        let archive = try SafeTensors.read(contentsOf: url)
        #expect(archive.metadata == ["step": "8"])
        for (name, tensor) in weights {
            #expect(try archive.tensor(name).shape == tensor.shape)
            #expect(try archive.tensor(name).scalars == tensor.scalars)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }

    @Test func malformedFilesNameTheProblem() {
        #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(Data([1, 2, 3]), path: "x.safetensors") }
        var bad = Data()
        var length = UInt64(1_000).littleEndian
        withUnsafeBytes(of: &length) { bad.append(contentsOf: $0) }
        do {
            _ = try SafeTensors.decode(bad, path: "y.safetensors")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("y.safetensors: not a valid safetensors file: header length 1000 exceeds the file size 8"))
        }
    }
}
