#!/usr/bin/env bash
# Checks a result directory (what `jground ground ... --out DIR` writes) in Debian's headless
# Chromium, as ResultPageBrowserTest does: index.html loads from disk without a console error, every
# image on it loads, and each phrase's mask and heat buttons show their layer and change the picture,
# and a second click hides it again. Needs `apt-get install chromium`. Exit 0 pass, 1 fail, 2 usage.
#   tools/check_page.sh RESULT_DIR
set -euo pipefail
[ $# -eq 1 ] && [ -f "$1/index.html" ] || { echo "usage: tools/check_page.sh RESULT_DIR (a directory with index.html)" >&2; exit 2; }
dir=$(realpath "$1")
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mvn -B -q test-compile >&2
exec "$JAVA_HOME/bin/java" -cp target/classes:target/test-classes dev.jground.ground.PageCheck "$dir"
