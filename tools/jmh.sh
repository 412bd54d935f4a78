#!/usr/bin/env bash
# Runs the JMH benchmarks in src/jmh/java. Arguments go to JMH, e.g.
#   tools/jmh.sh MatmulBenchmark -p shape=1x4096x11008 -p dtype=F16
#   tools/jmh.sh ConvertBenchmark
# Builds the test classes (JMH's annotation processor runs there), asks Maven for the test
# classpath, and passes the Vector API / FFM flags to the forked benchmark JVMs too.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
mvn -q -B -o test-compile
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"' EXIT
# the plugin version is pinned so an offline build finds it once it is cached
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
"$JAVA_HOME/bin/java" $FLAGS -cp "target/test-classes:target/classes:$(cat "$cpfile")" \
    org.openjdk.jmh.Main -jvmArgsAppend "$FLAGS" "$@"
