#!/usr/bin/env bash
# Installs the real Pyroscope SDKs and clients that the tests drive against the service:
#   - Python: pyroscope-io 1.x in a venv at target/agents/venv
#   - Node:   @pyroscope/nodejs 0.x under target/agents/node
#   - Java:   io.pyroscope:agent (Maven Central, with `mvn dependency:copy`) at
#             target/agents/java/agent-$JAVA_AGENT_VERSION.jar, Maven's cache in target/agents/m2
#   - Go:     the module tests/go (go.mod pins github.com/grafana/pyroscope-go and
#             github.com/grafana/pyroscope/api), its modules in target/agents/go/mod and its
#             programs built into target/agents/go/bin (sdkload: the SDK's workload;
#             grafanaclient: Pyroscope's generated Connect client)
# Idempotent: an SDK already installed at a matching version is left alone, so a second run
# takes a second or two (Go checks its build cache). Any failed install aborts the script.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENTS=target/agents
VENV=$AGENTS/venv
NODE_PREFIX=$AGENTS/node
PY_SPEC='pyroscope-io>=1,<2'
NODE_SPEC='@pyroscope/nodejs@0'

die() { echo "install-agents: ERROR: $*" >&2; exit 1; }

mkdir -p "$AGENTS"

# --- Python SDK ---------------------------------------------------------------------------
py_version() { "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pyroscope-io"))' 2>/dev/null; }

if ! v=$(py_version) || [[ $v != 1.* ]]; then
    command -v python3 >/dev/null || die "python3 not found"
    if [[ ! -x $VENV/bin/python ]]; then
        # Debian splits venv/ensurepip into python3-venv; install it only when it is missing.
        if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
            echo "install-agents: python3 venv module missing, installing python3-venv" >&2
            (apt-get update -qq && apt-get install -y -qq python3-venv) \
                || die "apt-get install python3-venv failed"
        fi
        rm -rf "$VENV"
        python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
    fi
    "$VENV/bin/python" -m pip install --quiet --upgrade "$PY_SPEC" \
        || die "pip install '$PY_SPEC' failed (see pip output above)"
    v=$(py_version) || die "pyroscope-io not importable after install"
    [[ $v == 1.* ]] || die "expected pyroscope-io 1.x, got $v"
fi
"$VENV/bin/python" -c 'import pyroscope' || die "'import pyroscope' fails in $VENV"
PY_VERSION=$v

# --- Node SDK -----------------------------------------------------------------------------
NODE_PKG=$NODE_PREFIX/node_modules/@pyroscope/nodejs/package.json
node_version() { node -p "require('./$NODE_PKG').version" 2>/dev/null; }

command -v node >/dev/null || die "node not found"
if ! nv=$(node_version) || [[ $nv != 0.* ]]; then
    command -v npm >/dev/null || die "npm not found"
    npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "$NODE_SPEC" \
        || die "npm install '$NODE_SPEC' failed (see npm output above)"
    nv=$(node_version) || die "@pyroscope/nodejs missing after npm install"
    [[ $nv == 0.* ]] || die "expected @pyroscope/nodejs 0.x, got $nv"
fi
# Loading the module also loads @datadog/pprof's native addon: catch a broken prebuild here.
node -e "require('$PWD/$NODE_PREFIX/node_modules/@pyroscope/nodejs')" \
    || die "require('@pyroscope/nodejs') fails (native @datadog/pprof addon?)"
NODE_VERSION=$nv

# --- Java agent ---------------------------------------------------------------------------
# async-profiler's native library for Linux x64 is inside the jar.
JAVA_AGENT_VERSION=2.1.2
JAVA_AGENT=$AGENTS/java/agent-$JAVA_AGENT_VERSION.jar
if [[ ! -s $JAVA_AGENT ]]; then
    command -v mvn >/dev/null || die "mvn not found (Debian's maven installs it)"
    mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$PWD/$AGENTS/m2" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
        -Dartifact="io.pyroscope:agent:$JAVA_AGENT_VERSION" \
        -DoutputDirectory="$PWD/$AGENTS/java" \
        || die "mvn could not fetch io.pyroscope:agent:$JAVA_AGENT_VERSION from Maven Central"
    [[ -s $JAVA_AGENT ]] || die "$JAVA_AGENT missing after mvn dependency:copy"
fi

# --- Go SDK and Pyroscope's Connect client --------------------------------------------------
command -v go >/dev/null || die "go not found"
export GOMODCACHE=$PWD/$AGENTS/go/mod GOCACHE=$PWD/$AGENTS/go/cache GOFLAGS=-mod=mod
mkdir -p "$AGENTS/go/bin"
(cd tests/go && go build -o "../../$AGENTS/go/bin/" ./sdkload ./grafanaclient) \
    || die "go build of tests/go failed (modules from the Go module proxy; see above)"

echo "pyroscope-io $PY_VERSION ($VENV)"
echo "@pyroscope/nodejs $NODE_VERSION ($NODE_PREFIX)"
echo "io.pyroscope:agent $JAVA_AGENT_VERSION ($JAVA_AGENT)"
echo "$(cd tests/go && go list -m -f '{{.Path}} {{.Version}}' github.com/grafana/pyroscope-go github.com/grafana/pyroscope/api | paste -sd ' ') ($AGENTS/go/bin)"
