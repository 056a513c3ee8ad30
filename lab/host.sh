#!/usr/bin/env bash
# lab/host.sh up PREFIX | down PREFIX
#
# Builds (up) or removes (down) lib.sh's lab_host: one namespace,
# PREFIX-host, with only its loopback, up. For programs that own the lab's
# life, like lab/chain.sh: the Rust tests of icmpkit-net open their sockets
# there, away from the host's loopback traffic. A failing `up` removes what
# it made.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"
lab_main host "$@"
