#!/usr/bin/env bash
# Builds Embedded and runs every test project. Installs what the tests need on Debian when run as
# root (see scripts/setup.sh). Prints, alone on its last line, "N passed, N failed, N skipped" with
# the totals of all test projects, and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

results="$(mktemp -d)"
packages="$(mktemp -d)"
trap 'rm -rf "$results" "$packages"' EXIT

if ! dotnet build Embedded.sln -c Release -nologo -v quiet; then
  echo "the build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# One trx file per test project; a hung test dumps and fails instead of stalling CI.
dotnet test Embedded.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 5m
status=$?

# The `embedded` binary as users get it, built on every run so that its packaging cannot rot: the dotnet
# tool package and single-file binaries for linux-x64 and win-x64 (runtime packs from the NuGet feed).
# After the tests, so that publishing (which rebuilds with a runtime identifier) never races them.
# Each one that fails to build, or whose result does not start, counts as a failed test.
packaging_failed=0
package() {
  local what="$1" check="$2"; shift 2
  if "$@" -nologo -v quiet && eval "$check"; then
    echo "packaged: $what"
  else
    echo "packaging failed: $what"
    packaging_failed=$((packaging_failed + 1))
  fi
}
package "dotnet tool (Embedded.Cli.*.nupkg)" 'ls "$packages"/tool/Embedded.Cli.*.nupkg >/dev/null' \
  dotnet pack src/Embedded.Cli -c Release -o "$packages/tool"
package "linux-x64 single file (embedded)" '"$packages/linux-x64/embedded" --help >/dev/null' \
  dotnet publish src/Embedded.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o "$packages/linux-x64"
package "win-x64 single file (embedded.exe)" '[ -s "$packages/win-x64/embedded.exe" ]' \
  dotnet publish src/Embedded.Cli -c Release -r win-x64 --self-contained -p:PublishSingleFile=true -o "$packages/win-x64"

# The failures again, last, so that a log cut to its tail still names them and says why.
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  if ! command -v python3 >/dev/null; then
    grep -o 'testName="[^"]*"[^>]*outcome="Failed"' "$trx" | sed 's/testName="\([^"]*\)".*/FAILED \1/'
    continue
  fi
  python3 - "$trx" <<'PY' 2>/dev/null || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") != "Failed":
        continue
    message = r.findtext("t:Output/t:ErrorInfo/t:Message", "", ns).strip()
    stack = r.findtext("t:Output/t:ErrorInfo/t:StackTrace", "", ns).strip().splitlines()
    print("FAILED " + r.get("testName", "?"))
    for line in message.splitlines()[:15] + stack[:8]:
        print("    " + line)
PY
done

passed=0; failed=0; skipped=0; projects=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  projects=$((projects + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
  skipped=$((skipped + ${total:-0} - ${p:-0} - ${f:-0} - ${e:-0}))
done

expected=$(grep -rl --include=*.csproj "<IsTestProject>true</IsTestProject>" tests samples 2>/dev/null | wc -l)
if [ "$projects" -lt "$expected" ]; then
  echo "only $projects of $expected test projects reported results (a test host crashed?)"
  failed=$((failed + expected - projects))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status"
  failed=1
fi
failed=$((failed + packaging_failed))

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
