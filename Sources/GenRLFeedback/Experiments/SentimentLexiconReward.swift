import GenRLRewards
import GenRLRL

/// The gold reward of GenRL's preference experiments: how cheerful and how well-formed a
/// continuation of a Shakespeare line is — a "quality no formula captures" stood in for
/// by a formula that only the simulated labeller knows, in the manner of the mock
/// sentiment task of Ziegler et al. (2019, §3.1: continue a text with positive
/// sentiment, judged by a hidden classifier).
///
///   gold(c) = Σ_{words w of c} valence(w)  +  fluencyWeight · known(c) / max(|c|, minimumWords)
///
/// where |c| is the number of words of c and known(c) how many of them are words of the
/// corpus.
/// Words are maximal runs of letters and apostrophes, lower-cased. `valence` is a small
/// hand-made lexicon of words frequent in Shakespeare: +1 for words of love, joy,
/// kindness and honour ("love", "sweet", "gentle", "joy", "grace", …), −1 for words of
/// death, hatred and grief ("death", "blood", "villain", "woe", "curse", …). The fluency
/// term keeps letter soup from scoring, and dividing by at least `minimumWords` keeps a
/// two-word answer from scoring as well as a line: full credit needs five real words.
public final class SentimentLexiconReward: RewardFunction {
    /// The reward's name in metrics.
    public let name = "sentiment_lexicon"
    /// Weight of the fluency term.
    public let fluencyWeight: Double
    /// Fewest words that earn full fluency credit.
    public let minimumWords: Int
    /// The words that count as known (the corpus's vocabulary, lower-cased).
    public let knownWords: Set<String>

    /// - Parameters:
    ///   - corpus: texts whose words are the known vocabulary (the training corpus).
    ///   - minimumCount: a word must occur this often in `corpus` to be known.
    ///   - fluencyWeight: weight of the fluency term.
    ///   - minimumWords: fewest words that earn full fluency credit.
    public init(corpus: [String], minimumCount: Int = 2, fluencyWeight: Double = 1, minimumWords: Int = 5) {
        var counts: [String: Int] = [:]
        for line in corpus { for word in Self.words(line) { counts[word, default: 0] += 1 } }
        knownWords = Set(counts.filter { $0.value >= minimumCount }.keys)
        self.fluencyWeight = fluencyWeight
        self.minimumWords = minimumWords
    }

    /// Scores every sample (see the type's description).
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: samples.map { Optional(gold($0.completion)) })
    }

    /// The gold reward of one completion.
    public func gold(_ text: String) -> Double {
        let words = Self.words(text)
        guard !words.isEmpty else { return 0 }
        let sentiment = words.reduce(0) { $0 + (Self.valence[$1] ?? 0) }
        let known = Double(words.filter { knownWords.contains($0) }.count) / Double(max(words.count, minimumWords))
        return sentiment + fluencyWeight * known
    }

    /// The sentiment part alone: Σ valence(w).
    public func sentiment(_ text: String) -> Double { Self.words(text).reduce(0) { $0 + (Self.valence[$1] ?? 0) } }

    /// Lower-cased runs of letters and apostrophes (an apostrophe at either end dropped).
    public static func words(_ text: String) -> [String] {
        KnownWordReward.words(text).map { $0.trimmingCharacters(in: ["'"]) }.filter { !$0.isEmpty }
    }

    /// The lexicon: +1 and −1 words.
    public static let valence: [String: Double] = {
        let positive = """
            love loves loved lovely lover loving sweet sweetest sweetly good goodness fair fairest gentle gently noble \
            happy happiness joy joys joyful grace gracious kind kindness honour honours honourable honest true truth \
            peace bless blessed blessing dear dearest hope merry glad smile smiles friend friends friendly heaven \
            beauty beautiful virtue virtuous mercy comfort faith brave worthy welcome delight pleasure praise bright \
            best better laugh rich thanks thank wise rejoice valiant loyal precious golden content health heal \
            glory glorious pretty fortunate hearty darling cheer smiling
            """
        let negative = """
            death dead die dies died dying kill killed kills blood bloody hate hated hateful foul villain villains \
            grief griefs woe woes sorrow sorrows sad fear fears fearful curse cursed poison murder murderer traitor \
            traitors tears weep weeping wrong wrongs evil vile false shame sin war wars hell devil grave despair \
            wretched wretch cruel enemy enemies slain slaughter plague sick pain mad fool fools treason banished \
            banishment revenge rage tyrant coward dread ill grievous damned
            """
        var lexicon: [String: Double] = [:]
        for word in positive.split(whereSeparator: \.isWhitespace) { lexicon[String(word)] = 1 }
        for word in negative.split(whereSeparator: \.isWhitespace) { lexicon[String(word)] = -1 }
        return lexicon
    }()
}
