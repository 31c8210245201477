#!/usr/bin/env bash
# The lint step: swift-format's rules (.swift-format) over Sources, Tests and Package.swift.
# Exit code 1 when a rule finds something, with each finding printed as file:line:column.
#
# Only the rules are enforced, not the layout: the code was written before the formatter, and
# reformatting the whole tree at once would bury its history. Layout findings (indentation,
# line breaks, line length, trailing commas, spacing) are left to review; `--layout` shows them
# for the files given, e.g. `bash scripts/lint.sh --layout Sources/SlipwayRouter/Router.swift`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
layout='\[(Indentation|AddLines|RemoveLine|LineLength|TrailingComma|Spacing)\]'
if [[ ${1:-} == --layout ]]; then
    shift
    exec swift format lint --configuration .swift-format "$@"
fi
findings=$(swift format lint --configuration .swift-format --parallel --recursive Sources Tests Package.swift 2>&1 \
    | grep -vE "$layout" | awk '!seen[$0]++' || true)
if [[ -n $findings ]]; then
    echo "$findings"
    echo "lint: swift-format's rules found $(grep -c ': warning: ' <<<"$findings") problem(s) above; fix them (rules: .swift-format)" >&2
    exit 1
fi
echo "lint: swift-format's rules pass"
