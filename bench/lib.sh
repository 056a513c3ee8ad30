# Shared by the bench scripts: source it, then call these.

# icmpkit_binary REPO: the icmpkit to measure: $ICMPKIT when set, else the
# release build of REPO (built now, quietly).
icmpkit_binary() {
    if [ -n "${ICMPKIT:-}" ]; then
        echo "$ICMPKIT"
    else
        cargo build --release -q -p icmpkit --manifest-path "$1/Cargo.toml" >&2
        echo "$1/target/release/icmpkit"
    fi
}
