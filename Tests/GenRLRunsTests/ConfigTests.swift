import Foundation
import GenRLRuns
import Testing

/// A scratch directory holding the files a sample configuration points at:
/// `policy.safetensors`, `reference.safetensors`, `data/refs.txt`.
private final class ConfigFixture {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("genrl-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        for file in ["policy.safetensors", "reference.safetensors", "data/refs.txt"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/" + file))
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func read(_ text: String) throws(ConfigErrors) -> SampleRunConfig {
        try ConfigReader.read(SampleRunConfig.self, from: text, baseDirectory: directory)
    }

    /// The one-line messages of reading `text` (empty if it reads).
    func messages(_ text: String) -> [String] {
        do {
            _ = try read(text)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }
}

@Suite("Config reading and writing")
struct ConfigTests {
    @Test("keys left out take the defaults of the structs' init()")
    func defaultsFilledIn() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.read("""
            seed = 7
            [model]
            checkpoint = "policy.safetensors"
            [ppo.kl]
            target = 3.0
            """)
        var expected = SampleRunConfig()
        expected.seed = 7
        expected.model.checkpoint = fixture.directory + "/policy.safetensors"
        expected.ppo.kl.target = 3.0
        #expect(config == expected)
    }

    @Test("write → read gives an equal struct, with every key written after its doc line")
    func roundTrip() throws {
        let fixture = try ConfigFixture()
        var config = SampleRunConfig()
        config.algorithm = .grpo
        config.name = "tab\there \"quoted\" ünïcode \u{01}"
        config.model.checkpoint = fixture.directory + "/policy.safetensors"
        config.ppo.clipEpsilon = 0.1 + 0.2  // not exactly 0.3: the float must round-trip bit for bit
        config.ppo.targetKL = 1e-5
        config.ppo.klEstimator = .k3
        config.ppo.kl.adaptive = false
        config.reference = SampleReferenceSection(checkpoint: fixture.directory + "/reference.safetensors")
        config.optimizer = .sgd(SampleSGDSection(learningRate: 3e-4, momentum: 0.9))
        config.rewards = [
            .bleu(SampleBLEURewardSection(weight: -0.5, references: fixture.directory + "/data/refs.txt",
                                          smoothing: "floor")),
            .length(SampleLengthRewardSection(weight: 2, target: 12, stopWords: ["\n", "END"])),
        ]
        let text = ConfigWriter.text(for: config, header: ["resolved configuration"])
        let readBack = try ConfigReader.read(SampleRunConfig.self, from: text, baseDirectory: "/nonexistent")
        #expect(readBack == config)
        #expect(ConfigWriter.text(for: readBack, header: ["resolved configuration"]) == text)

        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() where line.contains(" = ") && !line.hasPrefix("#") {
            #expect(index > 0 && lines[index - 1].hasPrefix("# "), "no doc line above: \(line)")
        }
        for key in ["algorithm", "seed", "name", "checkpoint", "max_new_tokens", "clip_epsilon", "gae_lambda",
                    "epochs", "target_kl", "kl_estimator", "coefficient", "adaptive", "target", "type",
                    "learning_rate", "momentum", "weight", "references", "smoothing", "stop_words"] {
            #expect(lines.contains { $0.hasPrefix(key + " = ") }, "\(key) not written")
        }
        #expect(lines.contains("[ppo.kl]") && lines.contains("[[reward]]") && lines.contains("[reference]"))
    }

    @Test("unset optionals and empty section arrays are written as comments and read back unset")
    func defaultsShownAsComments() throws {
        let fixture = try ConfigFixture()
        var config = SampleRunConfig()
        config.model.checkpoint = fixture.directory + "/policy.safetensors"
        let text = ConfigWriter.text(for: config)
        #expect(ConfigWriter.defaultsText(for: SampleRunConfig.self)
            == text.replacingOccurrences(of: config.model.checkpoint, with: ""))
        #expect(text.contains("# target_kl is not set"))
        #expect(text.contains("# [reference]"))
        #expect(text.contains("# [[reward]]\n# Sentence BLEU against references. [one of \"bleu\", \"length\"]\n# type = \"bleu\""))
        #expect(text.contains("# type = \"length\""))
        #expect(try ConfigReader.read(SampleRunConfig.self, from: text, baseDirectory: "/") == config)
    }

    @Test("a relative path resolves against the config file's directory and is stored absolute")
    func relativePathResolution() throws {
        let fixture = try ConfigFixture()
        let configDirectory = fixture.directory + "/configs"
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        let configPath = configDirectory + "/run.toml"
        try Data("""
            [model]
            checkpoint = "../policy.safetensors"
            [[reward]]
            type = "bleu"
            references = "./../data//refs.txt"
            """.utf8).write(to: URL(fileURLWithPath: configPath))
        let config = try ConfigReader.read(SampleRunConfig.self, fromFile: configPath)
        #expect(config.model.checkpoint == fixture.directory + "/policy.safetensors")
        #expect(config.rewards == [.bleu(SampleBLEURewardSection(references: fixture.directory + "/data/refs.txt"))])

        // The same text read against another directory does not find the files.
        #expect(throws: ConfigErrors.self) {
            try ConfigReader.read(SampleRunConfig.self, from: String(contentsOfFile: configPath, encoding: .utf8),
                                  baseDirectory: fixture.directory)
        }
    }

    @Test("a tagged single section keeps its default case unless `type` changes it")
    func taggedSingleSection() throws {
        let fixture = try ConfigFixture()
        let model = "[model]\ncheckpoint = \"policy.safetensors\"\n"
        let adam = try fixture.read(model + "[optimizer]\nlearning_rate = 1e-3\n")
        #expect(adam.optimizer == .adam(SampleAdamSection(learningRate: 1e-3)))
        let sgd = try fixture.read(model + "[optimizer]\ntype = \"sgd\"\nmomentum = 0.5\n")
        #expect(sgd.optimizer == .sgd(SampleSGDSection(momentum: 0.5)))
        #expect(fixture.messages(model + "[optimizer]\nbetas = [0.9]\ntype = \"sgd\"\n")
            == ["config.toml:4: unknown key \"betas\" in [optimizer]"])
    }

    // MARK: Errors, each with its line and one-line message

    @Test("unknown key, with a suggestion, at the key's line")
    func unknownKey() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            seed = 1
            [model]
            checkpoint = "policy.safetensors"

            [ppo]
            epochs = 2
            clip_epsilom = 0.1
            """) == ["config.toml:7: unknown key \"clip_epsilom\" in [ppo] (did you mean \"clip_epsilon\"?)"])
    }

    @Test("unknown section, table and array of tables")
    func unknownSection() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            [model]
            checkpoint = "policy.safetensors"
            [ppp]
            epochs = 2
            [[rewards]]
            type = "bleu"
            [ppo.kll]
            """) == [
                "config.toml:3: unknown section [ppp] (did you mean [ppo]?)",
                "config.toml:5: unknown section [[rewards]] (did you mean [[reward]]?)",
                "config.toml:7: unknown section [ppo.kll] (did you mean [ppo.kl]?)",
            ])
    }

    @Test("wrong type, including a table where a value belongs")
    func wrongType() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            seed = "7"
            [model]
            checkpoint = "policy.safetensors"
            max_new_tokens = 4.0
            [ppo]
            kl = 3
            """) == [
                "config.toml:1: \"seed\" at top level must be an integer >= 0, found string \"7\"",
                "config.toml:4: \"max_new_tokens\" in [model] must be an integer >= 1, found float 4.0",
                "config.toml:6: \"kl\" in [ppo] must be a table, found integer 3",
            ])
    }

    @Test("out of range, for a value and for an element of a multi-line array")
    func outOfRange() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            [model]
            checkpoint = "policy.safetensors"
            [ppo]
            gae_lambda = 1.5
            [optimizer]
            betas = [
              0.9,  # first moment
              1.0,  # not < 1
            ]
            """) == [
                "config.toml:4: \"gae_lambda\" in [ppo] is 1.5, must be in [0.0, 1.0]",
                "config.toml:8: element 2 of \"betas\" in [optimizer] is 1.0, must be in [0.0, 1.0)",
            ])
    }

    @Test("missing file, with the path resolved against the config's directory")
    func missingFile() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            [model]
            checkpoint = "weights/policy.safetensors"
            """) == ["config.toml:2: file \"weights/policy.safetensors\" for \"checkpoint\" in [model] "
                        + "does not exist (looked for \(fixture.directory)/weights/policy.safetensors)"])
    }

    @Test("unknown choice lists the valid ones; an unknown reward type skips the element's keys")
    func unknownChoice() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            algorithm = "ppp"
            [model]
            checkpoint = "policy.safetensors"
            [[reward]]
            type = "length"
            [[reward]]
            type = "blue"
            references = "data/refs.txt"
            [ppo]
            kl_estimator = "k2"
            """) == [
                "config.toml:1: unknown algorithm \"ppp\" at top level (did you mean \"ppo\"?); valid: \"ppo\", \"grpo\", \"rloo\"",
                "config.toml:7: unknown type \"blue\" in [[reward]] #2 (did you mean \"bleu\"?); valid: \"bleu\", \"length\"",
                "config.toml:10: unknown kl_estimator \"k2\" in [ppo] (did you mean \"k1\"?); valid: \"exact\", \"k1\", \"k3\"",
            ])
    }

    @Test("missing required key, at its table's line, or without a line when the table is absent")
    func missingRequired() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            seed = 1

            [[reward]]
            weight = 2.0
            [[reward]]
            type = "bleu"
            [reference]
            """) == [
                "config.toml:3: missing required key \"type\" in [[reward]] #1",
                "config.toml:5: missing required key \"references\" in [[reward]] #2",
                "config.toml:7: missing required key \"checkpoint\" in [reference]",
                "config.toml: missing required key \"checkpoint\" in [model]",
            ])
    }

    @Test("syntax error with toml++'s line and column; nothing else is checked")
    func syntaxError() throws {
        let fixture = try ConfigFixture()
        let messages = fixture.messages("seed = 1\nname = \"unterminated\n")
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("config.toml:2:") == true)
        #expect(messages.first?.contains("syntax error:") == true)
        let errors = #expect(throws: ConfigErrors.self) { try fixture.read("[ppo]\nepochs = 1\n[ppo]\n") }
        #expect(errors?.errors.first?.line == 3)
    }

    @Test("a missing config file is reported, not crashed on")
    func unreadableFile() {
        let path = "/nonexistent-genrl/config.toml"
        #expect(throws: ConfigErrors([.unreadableFile(file: path, reason: "no such file")])) {
            try ConfigReader.read(SampleRunConfig.self, fromFile: path)
        }
    }

    @Test("dotted keys, inline tables and arrays of inline tables are located on their lines")
    func dottedKeysAndInlineTables() throws {
        let fixture = try ConfigFixture()
        #expect(fixture.messages("""
            model.checkpoint = "policy.safetensors"
            ppo.kl.target = 0
            optimizer = { type = "adam", betas = [0.5, -0.1] }
            reward = [
              { type = "length", target = 10 },
              # a comment between elements
              { type = "length", target = 0 },
            ]
            ppo . "clip epsilon" = 0.1
            """) == [
                "config.toml:2: \"target\" in [ppo.kl] is 0.0, must be > 0.0",
                "config.toml:3: element 2 of \"betas\" in [optimizer] is -0.1, must be in [0.0, 1.0)",
                "config.toml:7: \"target\" in [[reward]] #2 is 0, must be >= 1",
                "config.toml:9: unknown key \"clip epsilon\" in [ppo] (did you mean \"clip_epsilon\"?)",
            ])
    }
}

@Suite("TOMLKeyLocations")
struct TOMLKeyLocationsTests {
    @Test("strings, comments and quoted keys do not confuse the line of a key")
    func trickyText() {
        let text = """
            title = \"\"\"
            [ppo]
            two quotes "" and an escaped \\\"\"\" stay inside
            epochs = 1
            ends with a quote\"\"\"\"
            quoted = '''
            it''s
            x = 2 ''''' # after the string
            "a.b" = 1 # [not.a.header]
            'lit\\' = 2
            "esc\\u0041\\"" = 3
            list = [ "]", '[', \"\"\"
              }\"\"\", { inner = 1 } ]
            [ "my table" . sub ]   # a comment
            deep.er = { x = { y = 1 } }
            """
        let locations = TOMLKeyLocations(text: text)
        #expect(locations.line(of: ConfigKeyPath("title")) == 1)
        #expect(locations.line(of: ConfigKeyPath("ppo")) == nil)
        #expect(locations.line(of: ConfigKeyPath("epochs")) == nil)
        #expect(locations.line(of: ConfigKeyPath("quoted")) == 6)
        #expect(locations.line(of: ConfigKeyPath("x")) == nil)
        #expect(locations.line(of: ConfigKeyPath("a.b")) == 9)
        #expect(locations.line(of: ConfigKeyPath("a")) == nil)
        #expect(locations.line(of: ConfigKeyPath("lit\\")) == 10)
        #expect(locations.line(of: ConfigKeyPath("escA\"")) == 11)
        #expect(locations.line(of: ConfigKeyPath("list").appending(index: 2)) == 12)
        #expect(locations.line(of: ConfigKeyPath("list").appending(index: 3).appending(key: "inner")) == 13)
        #expect(locations.line(of: ConfigKeyPath("my table", "sub")) == 14)
        #expect(locations.line(of: ConfigKeyPath("my table", "sub", "deep", "er", "x", "y")) == 15)
        let keys = ["title", "quoted", "a.b", "lit\\", "escA\"", "list", "my table"]
        #expect(Set(locations.paths.filter { $0.components.count == 1 }) == Set(keys.map { ConfigKeyPath($0) }))
    }

    @Test("arrays of tables are counted, and sub-tables attach to the last element")
    func arraysOfTables() {
        let locations = TOMLKeyLocations(text: "[[reward]]\r\ntype = 'a'\r\n\r\n[[reward]]\r\n[reward.model]\r\npath = 1\r\n[[reward]]\r\n")
        let reward = ConfigKeyPath("reward")
        #expect(locations.line(of: reward) == 1)
        #expect(locations.line(of: reward.appending(index: 0).appending(key: "type")) == 2)
        #expect(locations.line(of: reward.appending(index: 1)) == 4)
        #expect(locations.line(of: reward.appending(index: 1).appending(key: "model")) == 5)
        #expect(locations.line(of: reward.appending(index: 1).appending(key: "model").appending(key: "path")) == 6)
        #expect(locations.line(of: reward.appending(index: 2)) == 7)

        let nested = TOMLKeyLocations(text: "[[a]]\n[[a.b]]\n[[a.b]]\n[[a]]\n[[a.b]]\nx = 1\n")
        let a = ConfigKeyPath("a")
        #expect(nested.line(of: a.appending(index: 0).appending(key: "b").appending(index: 1)) == 3)
        #expect(nested.line(of: a.appending(index: 1).appending(key: "b").appending(index: 0)) == 5)
        #expect(nested.line(of: a.appending(index: 1).appending(key: "b").appending(index: 0).appending(key: "x")) == 6)
    }

    @Test("a table first made by a sub-table header takes the line of its own header")
    func implicitTables() {
        let locations = TOMLKeyLocations(text: "[ppo.kl]\ntarget = 1\n[ppo]\nepochs = 2\n")
        #expect(locations.line(of: ConfigKeyPath("ppo")) == 3)
        #expect(locations.line(of: ConfigKeyPath("ppo", "kl")) == 1)
    }
}
