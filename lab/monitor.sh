#!/usr/bin/env bash
# lab/monitor.sh up PREFIX [MTU] | down PREFIX | path PREFIX a|b
#
# Builds (up) or removes (down) lib.sh's monitoring lab (lab_monitor): two
# agents, a router, targets with no, 10 % and 100 % loss, and a target
# whose path goes through pa or pb, in namespaces PREFIX-NAME; `path`
# moves that target's path (lab_monitor_path). For programs that own the
# lab's life, like lab/chain.sh. Traffic stays inside these namespaces
# (documentation addresses only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"
if [ "${1:-}" = path ]; then
    [ $# -eq 3 ] || lab_die "usage: $0 path PREFIX a|b"
    LAB_PREFIX=$2
    lab_monitor_path "$3"
    exit 0
fi
lab_main monitor "$@"
