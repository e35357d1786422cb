#!/usr/bin/env bash
# Renders the HTML report of a synthetic run in headless Chromium and saves a screenshot.
#
#   scripts/report-screenshot.sh [output directory]   (default: /tmp/genrl-report-demo)
#
# Writes <output>/runs/ppo-sentiment/ (a made-up PPO run: curves shaped like a real one,
# samples turning positive) with its report.html, and <output>/report.png (full page,
# 1400 px wide) and <output>/report-narrow.png (a 820 px wide window). Needs Chromium
# (Debian: apt-get install -y chromium). docs/images/run-report.png is report.png reduced
# to a 256-colour palette (Pillow: Image.quantize(256, FASTOCTREE, no dither)).
set -euo pipefail

cd "$(dirname "$0")/.."
output="${1:-/tmp/genrl-report-demo}"
mkdir -p "$output"
output="$(cd "$output" && pwd)"

swift build -c release --product RunsTestHelper >/dev/null
helper="$(swift build -c release --show-bin-path)/RunsTestHelper"
report="$("$helper" demo-run "$output/runs/ppo-sentiment")"
echo "report: $report"

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
    echo "no Chromium found; install it (apt-get install -y chromium) to take the screenshots" >&2
    exit 1
fi

# Page height: long enough for the whole report at this width.
shoot() {  # shoot <png> <width> <height>
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --window-size="$2,$3" --screenshot="$1" "file://$report" >/dev/null 2>&1
    echo "screenshot: $1"
}
shoot "$output/report.png" 1400 3330
shoot "$output/report-narrow.png" 820 1600
