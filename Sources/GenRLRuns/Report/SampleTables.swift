import Foundation

/// The report's sample tables: what the generator wrote at the first and at the last
/// logged step, side by side, with each sample's reward as a number and a bar.
struct SampleTables {
    let samples: [SampleRecord]
    /// Rows per table.
    let rowsPerTable: Int
    /// Longer prompts and completions are cut to this many characters.
    let maximumTextLength: Int

    /// The steps the tables show: the first and the last step with samples (one step
    /// when they are the same).
    var shownSteps: [Int] {
        guard let first = samples.map(\.step).min(), let last = samples.map(\.step).max() else { return [] }
        return first == last ? [first] : [first, last]
    }

    /// The section's inner HTML.
    func html() -> String {
        let steps = shownSteps
        guard !steps.isEmpty else {
            return "<p class=\"empty-note\">No samples were logged in samples.jsonl.</p>"
        }
        let byStep = Dictionary(grouping: samples, by: \.step)
        let shownRewards = steps.flatMap { byStep[$0]!.prefix(rowsPerTable).compactMap(\.reward) }.filter(\.isFinite)
        let scale = (shownRewards.min() ?? 0, shownRewards.max() ?? 1)
        let showPrompts = steps.contains { byStep[$0]!.contains { !$0.prompt.isEmpty } }
        var html = "<div class=\"sample-grid\">"
        for (index, step) in steps.enumerated() {
            let title = steps.count == 1 ? "Samples" : (index == 0 ? "Start of training" : "End of training")
            html += table(title: title, step: step, records: byStep[step]!, scale: scale, showPrompts: showPrompts)
        }
        return html + "</div>"
    }

    private func table(title: String, step: Int, records: [SampleRecord], scale: (Double, Double), showPrompts: Bool) -> String {
        let rewards = records.compactMap(\.reward).filter(\.isFinite)
        let meanText = rewards.isEmpty ? "no rewards"
            : "mean reward <b>\(ReportFormat.value(rewards.reduce(0, +) / Double(rewards.count)))</b>"
        let shown = records.prefix(rowsPerTable)
        let countText = shown.count < records.count ? "\(shown.count) of \(records.count) samples" : "\(records.count) samples"
        var html = """
            <div class="sample-card"><div class="sample-head"><h3>\(title) <span class="step">step \(step)</span></h3>
            <span class="sample-meta">\(meanText) · \(countText)</span></div>
            <table><thead><tr><th class="index">#</th>
            """
        if showPrompts { html += "<th>Prompt</th>" }
        html += "<th>Completion</th><th class=\"reward\">Reward</th></tr></thead><tbody>\n"
        for (row, record) in shown.enumerated() {
            html += "<tr><td class=\"index\">\(row + 1)</td>"
            if showPrompts { html += "<td class=\"text prompt\">\(text(record.prompt))</td>" }
            html += "<td class=\"text\">\(text(record.completion))</td>"
            html += "<td class=\"reward\">\(rewardCell(record.reward, scale: scale))</td></tr>\n"
        }
        return html + "</tbody></table></div>"
    }

    /// Escaped text, cut to `maximumTextLength`, `(empty)` for an empty string.
    private func text(_ raw: String) -> String {
        if raw.isEmpty { return "<span class=\"muted\">(empty)</span>" }
        let (kept, omitted) = HTMLText.truncated(raw, limit: maximumTextLength)
        let note = omitted > 0 ? "<span class=\"muted\">… (\(omitted) more characters)</span>" : ""
        return HTMLText.escape(kept, markControls: true) + note
    }

    /// The reward and a bar whose length and hue (red → green) place it between the
    /// lowest and highest reward shown.
    private func rewardCell(_ reward: Double?, scale: (low: Double, high: Double)) -> String {
        guard let reward else { return "<span class=\"muted\" title=\"the reward function gave no score\">none</span>" }
        guard reward.isFinite else { return ReportFormat.value(reward) }
        let fraction = scale.high > scale.low ? (reward - scale.low) / (scale.high - scale.low) : 1
        let hue = Int((fraction * 130).rounded())
        let width = String(format: "%.0f", 8 + fraction * 92)
        return "\(ReportFormat.value(reward))<div class=\"reward-bar\"><span style=\"width:\(width)%;background:hsl(\(hue) 62% 44%)\"></span></div>"
    }
}
