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

case "${1:-}" in
    up)
        [ $# -ge 2 ] || lab_die "usage: $0 up PREFIX [MTU]"
        lab_init_exact "$2"
        lab_chain "${3:-1280}"
        lab_keep
        ;;
    down)
        [ $# -eq 2 ] || lab_die "usage: $0 down PREFIX"
        [ "$(id -u)" -eq 0 ] || lab_die "labs need root (network namespaces)"
        lab_down "$2"
        ;;
    *)
        lab_die "usage: $0 up PREFIX [MTU] | down PREFIX"
        ;;
esac
