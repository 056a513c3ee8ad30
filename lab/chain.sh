#!/usr/bin/env bash
# lab/chain.sh up PREFIX [MTU] | down PREFIX
#
# Builds (up) or removes (down) the standard client-router-server chain of
# lib.sh (lab_chain) in namespaces PREFIX-client, PREFIX-router and
# PREFIX-server, for programs that own the lab's life: Rust tests and
# benchmarks call `up` and, in a drop guard, `down`. A failing `up` removes
# what it made. Traffic stays inside these namespaces (documentation
# addresses only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"
lab_main chain "$@"
