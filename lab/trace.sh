#!/usr/bin/env bash
# lab/trace.sh up PREFIX [MTU] | down PREFIX
#
# Builds (up) or removes (down) the traceroute lab of lib.sh (lab_trace: client
# - r1 - r2 - {r3a | r3b} - r4 - server, ECMP at r2, MTU of the r4-server link
# default 1280) in namespaces PREFIX-client, PREFIX-r1 ... PREFIX-server, for
# programs that own the lab's life, like lab/chain.sh. A failing `up` removes
# what it made. Traffic stays inside these namespaces (documentation
# addresses only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"
lab_main trace "$@"
