//! The JSON-lines output of every subcommand (`--json`), and its schema.
//!
//! One JSON object per line, one line per event as it happens, then a
//! final `summary` object. The rules, the same for every subcommand:
//!
//! - every object has `"type"` (what it is: `reply`, `error`, `timeout`,
//!   `hop`, `summary`, ...) and `"timestamp"`: the wall-clock time the
//!   record was made, in seconds since the Unix epoch, as a number with
//!   microseconds. Records are made as their event is handled, so a
//!   reply's timestamp is when it was read (its RTT runs to the kernel's
//!   receive time, at most a wake-up earlier), a timeout's when the wait
//!   ran out, a summary's when the run ended;
//! - the same key means the same thing everywhere: `"target"` is a target
//!   as the user named it (host name, address, or the address of a target
//!   that came from a prefix); `"address"` is that target's IP address;
//!   `"from"` is the address that sent what we received; `"seq"` is an ICMP
//!   sequence number; `"ttl"` is the TTL / hop limit a reply arrived with;
//!   `"rtt_ms"` is a round-trip time in milliseconds, a float with at most
//!   three decimals: to the microsecond, the resolution of iputils'
//!   figures (what the kernel's nanosecond timestamps measure is kept to
//!   the microsecond, never rounded coarser), written as that decimal
//!   (`0.057`), never as a binary approximation printed long;
//! - numbers are numbers, addresses are strings, and a value that is not
//!   known is `null` (the key is still there);
//! - a string that came off the wire (an RFC 5837 or RFC 8335 interface
//!   name, an NDP DNSSL domain) keeps its value (invalid UTF-8 read as
//!   U+FFFD), and control characters (C0, DEL, C1) and Unicode
//!   bidirectional formatting characters in any string are written as
//!   `\uHHHH` escapes (`crate::escape`): a record holds no byte below 0x20
//!   and ends with one newline.
//!
//! The records of each subcommand are listed in the section for it below;
//! the writer that adds `type` and `timestamp` is [`JsonLines`].
//!
//! # `ping` (one target)
//!
//! - `reply`: `target`, `from`, `seq`, `ident`, `bytes`, `ttl`, `rtt_ms`
//!   (`null` when the payload is too short to carry a send time),
//!   `duplicate`, `truncated`, `other_sender` (`true` when `from` is not
//!   the target's address: a broadcast's answer, or another node sending
//!   the probe back; fping's `[<- ADDR]`).
//! - `unverified`: an Echo Reply with our identifier and the sequence
//!   number of a probe, but too short to carry the nonce that probe
//!   carried (anyone can forge it): no answer, in none of the counts.
//!   `target`, `from`, `seq`, `ident`, `bytes`, `ttl`.
//! - `error`: an ICMP error about one of our probes, or a local one:
//!   `target`, `from`, `seq`, `icmp_type`, `icmp_code`, `mtu` (of a Frag
//!   Needed, Packet Too Big or local "message too long", else `null`),
//!   `message` (iputils' words), `counted` (whether it is among the
//!   summary's `errors`: `false` only for a Redirect or Source Quench read
//!   on a raw socket, which iputils reports without counting). A local
//!   error has `null` for `from`, `seq`, `icmp_type` and `icmp_code`, and
//!   is counted.
//! - `timeout`: `target`, `seq`: the probe got neither a reply nor an
//!   error within `-W` (10 s by default) of its send, or by the end of the
//!   run, whichever came first: every unanswered probe has one, the last
//!   too, with or without `-O`. A probe has at most one of `error` and
//!   `timeout`: an error later than its probe's timeout is counted in the
//!   summary's `errors` but not written. A reply later than the timeout
//!   (beyond `-W`) is still written, after it, and counted.
//! - `node_info`: a Node Information response to a `-N` query (counted
//!   as a reply, untimed): `target`, `from`, `seq`, `bytes`, `ttl`,
//!   `duplicate`, `answer` (iputils' words: names, addresses, `refused`,
//!   then `; seq=N;`).
//! - `summary`: `target`, `address`, `transmitted`, `received`,
//!   `duplicates`, `errors`, `loss_percent`, `time_ms`, `rtt_min_ms`,
//!   `rtt_avg_ms`, `rtt_max_ms`, `rtt_mdev_ms` (iputils' figures, exact),
//!   `rtt_p50_ms`, `rtt_p90_ms`, `rtt_p99_ms` (nearest rank, from a
//!   bounded histogram: exact below 0.256 ms, else at most 1/128 below the
//!   true value, never outside min..max; `null` without replies),
//!   `jitter_ms` (the mean absolute difference of successive RTTs, exact;
//!   `null` under two replies), `unverified` (how many `unverified`
//!   records there were).
//!
//! # `ping` (several targets)
//!
//! The same `reply`, `unverified`, `error` and `timeout` records (a
//! `timeout` when a probe's fping timeout ran out with neither a reply nor
//! an error: as for one target, a probe has at most one of `error` and
//! `timeout`, where fping's text prints both), then one `summary` per
//! target, in the order the targets were given. A reply
//! with `other_sender` counts for its target, as in fping.
//!
//! # `ping --probe-interface` (RFC 8335 PROBE)
//!
//! Every record has `target`, `address` and `interface` (as given).
//!
//! - `probe_reply`: `query` (how the interface was named), `seq`, `from`,
//!   `code`, `code_name`, `exists`, `state` (`null` or the IPv6 neighbour
//!   state's name), `active`, `ipv4`, `ipv6`, `rtt_ms`.
//! - `error`: `seq`, `from`, `icmp_type`, `icmp_code`, `message`.
//! - `timeout`: `seq`.
//! - `summary`: `transmitted`, `answered`, `exists`.
//!
//! # `sweep`
//!
//! (`--csv` has one header, `type,addr,rtt_ms,ttl,from,icmp_type,
//! icmp_code,errno`, whatever the flags: a row's `type` is `reply`,
//! `error` or `refused` as below, the columns it has no value for empty.)
//!
//! - `reply`: a host that answered: `from`, `rtt_ms`, `ttl`.
//! - `error` (`--all`): an ICMP error about a probe: `target` (the probed
//!   address), `from`, `icmp_type`, `icmp_code`.
//! - `refused` (`--all`): a probe the system would not send: `target`,
//!   `errno` (`"EACCES"`), `message`.
//! - `summary`: `targets` (this run's: with `--shard`, the shard's share),
//!   `space_targets` (the whole sweep's, every shard's: the same in each
//!   shard, and the sum of their `targets`), `shard` and `shards` (this run
//!   is shard `shard` of `shards`, from 0; 0 and 1 without `--shard`),
//!   `seed` (`--seed`, an integer up to 2^64-1 — read it as a 64-bit
//!   integer, not a double; `null` without one), `sent`, `replies`,
//!   `unique`, `errors`, `duplicates`, `invalid`, `refused`,
//!   `refused_by_errno` (an object from errno name to count),
//!   `kernel_drops` (`null` when unknown), `stopped`, `sending_s` and
//!   `time_s` (seconds, floats), `backoff` (`null`, or when the kernel
//!   told during a `--rate max` sweep that it dropped answers: `dropped`,
//!   `cuts` (how often the rate was halved; 0 when the drops came while
//!   nothing was sent), `lowest_rate` and `last_rate` in probes per
//!   second, 0 without a cut; `kernel_drops` counts every drop, also those
//!   no answer read afterwards told of). The outputs of a sweep's shards
//!   concatenated are the whole sweep's records, with one `summary` per
//!   shard.
//!
//! # `trace`
//!
//! A probe's answer, in `probes` of a `hop` and in `probe` of a path-MTU
//! `hop`: `from`, `name` (reverse lookup, `null` with `-n` or none found),
//! `asn` (with `-A`, the origin AS numbers of `from`, `[]` when none is
//! known; `null` without `-A` or when the lookup failed),
//! `rtt_ms`, `annotation` (traceroute's `!H`, `!X`, `!F-1280`, ... or
//! `null`), `final` (the trace ends at this answer), `reached` (the
//! destination itself answered: Echo Reply, Port Unreachable, SYN-ACK or
//! RST from it; not a filter's `!X`, even from the destination),
//! `reply_ttl`, `back` (the hops the answer came back over, reckoned from
//! `reply_ttl` as tracepath reckons its `back N`), `quoted_ttl`,
//! `rewritten` (`null`, or what a middlebox
//! changed: `src_addr`, `src_port`, `checksum`), `extensions` (RFC 4884
//! objects, each with its own `type`: `mpls` with `labels`, `interface`
//! with `role`, `ifindex`, `address`, `name`, `mtu`, `other`,
//! `malformed`). An unanswered probe has the same keys, every value
//! `null`.
//!
//! `reached` follows that one rule in every record and mode: a summary's
//! `reached` is whether some probe's is true.
//!
//! - `hop` (classic): `ttl`, `method`, `flow` (`null` without Paris),
//!   `probes`, `possibly_rate_limited`.
//! - `summary` (classic): `target`, `address`, `method`, `paris`, `flow`,
//!   `reached`, `back` (of the destination's answer, `null` without one),
//!   `socket` (`raw`, `udp`: an unprivileged UDP socket, `ping`: a ping
//!   socket), `final_ttl`, `hops`,
//!   `probes_sent`, `answers`, `duplicates`, `late`, `ignored`.
//! - `mda`: `target`, `address`, `method`, `confidence`, `reached`,
//!   `socket`,
//!   `hops` (each: `ttl`, `flows`, `unanswered`, `interfaces`: `from`,
//!   `name`, `asn`, `flows`, `min_rtt_ms`, `avg_rtt_ms`, `max_rtt_ms`, `final`,
//!   `annotation`), `links` (`ttl`, `from`, `to`), `summary`
//!   (`probes_sent`, `rounds`, `budget_exhausted`, `ignored`), `stop`
//!   (why it stopped: `reason`, one of `end` (every flow got a final
//!   answer at `ttl`), `silence` (`silent` TTLs in a row up to `ttl`
//!   answered nothing), `max_ttl`, `budget`, `interrupted`; `ttl`,
//!   `silent`, `null` where they do not apply).
//! - `hop` (`--pmtu`): `ttl`, `size`, `probe`.
//! - `pmtu`: a path MTU event: `cause` (`local`, `too_big`,
//!   `black_hole`), `mtu`, and `ttl`, `from` where known.
//! - `summary` (`--pmtu`): `target`, `address`, `pmtu`,
//!   `falls_before_ttl`, `reached`, `back`, `socket`, `hops`,
//!   `probes_sent`.
//!
//! # `mtr`
//!
//! - `probe` (`--json-probes`, one per probe as it is resolved): `round`
//!   (from 0), `ttl`, `flow` (0 with one flow), `sent_at` (when it left,
//!   in seconds since the Unix epoch like `timestamp`), and its answer:
//!   `rtt_ms`, `from`, `outcome` (`hop`: a router's Time Exceeded,
//!   `reached`: the destination, `unreachable`: a final error), and
//!   `annotation` (traceroute's `!H`, `!X`, ...); all four `null` when it
//!   was lost.
//! - `report` (`--json`, and at the end of `--json-probes`): the whole
//!   path. `schema` (the version of this layout, now 1; raised only when a
//!   key changes meaning or goes away), `target`, `address`, `source` (the
//!   probes' source address), `local_host` (this machine's name),
//!   `started` (RFC 3339 local time, to the second), `rounds` (begun),
//!   `destination_ttl` (where the destination, or a final error, answers;
//!   `null`: not reached), `events` (what changed during the run, oldest
//!   first: `kind` `new_address` with `ttl`, `address`, `round`, when
//!   another address answers at a hop; `kind` `destination_moved` with
//!   `from`, `to` (TTLs, `null`: not reached) and `round`), and `hops`,
//!   one per TTL shown, each:
//!   - `ttl`; `addresses`: every address that answered there, first seen
//!     first, each `address`, `name`, `count` (its answers);
//!   - mtr's figures: `sent`, `received`, `loss_percent` (`null` before a
//!     probe is resolved), `last_ms`, `avg_ms`, `best_ms`, `worst_ms`,
//!     `stdev_ms`, `gmean_ms`, `jitter_ms`, `javg_ms`, `jmax_ms`, `jint_ms`
//!     (`null` before the first answer), computed as mtr does, to the
//!     microsecond;
//!   - `real_loss_percent`: the loss that persists to the end of the path
//!     from here (`null` while not known);
//!   - `flows`: per flow (`--flows`), `flow` and the same counts and
//!     figures as the hop's (`sent` to `jint_ms`, no `real_loss_percent`);
//!   - `mpls`: the distinct MPLS label stacks its answers carried, newest
//!     last (at most 8), each a list of `label`, `tc`, `s`, `ttl`;
//!   - `interfaces`: the distinct RFC 5837 interface information objects
//!     its answers carried, newest last (at most 8), each as in `trace`'s
//!     `extensions`: `type` (always `interface`), `role` (`Incoming
//!     interface`, `Sub-IP component`, `Outgoing interface`, `Next hop`),
//!     `ifindex`, `address`, `name`, `mtu` (each `null` when the object
//!     leaves it out);
//!   - `verdict`: what its loss means, `null` while there is too little to
//!     say, else `kind` (`clean`, `silent`, `rate_limited`,
//!     `deprioritized`, `forward_loss`), `line` (the sentence the report prints, or
//!     `null`), and for `rate_limited` the fitted bucket's `burst` and
//!     `per_second` (else `null`);
//!   - `annotation`: the latest final error's (`!H`, ...), or `null`;
//!   - `burst`: the latest burst check (`--burst`), or `null`: `sent`,
//!     `answered`, `leading` (answered before the first unanswered, in
//!     send order) and `line` (what it says).
//!
//! # `guard`
//!
//! Here an `alert`'s `timestamp` is the capture time of the packet that
//! raised it, not the time it was written; the `summary`'s is when it was
//! written, as everywhere.
//!
//! - `alert`: one finding, as it is raised: `frame` (of the packet that
//!   raised it), `src`, `dst`, `version` (4 or 6), `icmp_type`,
//!   `icmp_code`, `message` (the type and code's name), `detection` (its
//!   name, e.g. `echo-flood-source`; the catalog is
//!   `icmpkit_guard::detect::catalog`), `family` (`flood`, `tunnel`,
//!   `recon`, `spoofing`, `anomaly`), `severity` (`info`, `low`, `medium`,
//!   `high`), `confidence` (0.01 to 1), `evidence` (`packets`,
//!   `first_frame`, `window_s` (`null` when the finding rests on no
//!   window), `rate_pps` (`null` too when a rate would say nothing: a
//!   window under a second, or a path walk), and `facts`: an object of named numbers, addresses
//!   and words particular to the detection), `explanation` (what happened,
//!   with the numbers), `advice` (what to do), `suricata` (the Suricata
//!   decoder events that flag the same packets; may be empty). A finding
//!   about the same detection and subject (an address) is raised again only
//!   after `--hold` seconds of capture time without it; the repeats are
//!   counted in the summary.
//! - `summary`: `frames`, `messages` (ICMP and ICMPv6 messages, a
//!   reassembled datagram once), `bytes`, `duration_s` (from the first
//!   message to the last), `malformed`, `bad_checksum`, `directions` (`in`,
//!   `out`, `transit`, `unknown`: counts), `echo` (`requests`,
//!   `replies_matched`, `replies_unmatched`), `reassembly` (`datagrams`,
//!   `fragments`, `incomplete_datagrams`, `incomplete_fragments`),
//!   `by_message` (each `version`, `icmp_type`, `icmp_code`, `message`,
//!   `packets`, `bytes`, `peak_per_second`), `top_sources` and
//!   `top_destinations` (each `address`, `packets`, `bytes`, `error`: how
//!   much `packets` may be over, Space-Saving's bound), `findings` (each
//!   `detection`, `severity` (the worst raised), `raised`, `repeats`),
//!   `worst` (the worst severity raised, or `null`), `held` (the bounded
//!   state at the end: `echo_requests`, `reassembling`,
//!   `reassembly_bytes`, `detector_entries`), `capture` (live: `packets`
//!   the kernel's filter passed and `drops` for a full ring; `null` for a
//!   file), `error` (why a damaged capture ended early, or `null`).
//!
//! # `policy audit`
//!
//! A fate is an object: `fate` (`accept`, `drop`, `limit`, `unknown`),
//! with `count` and `per` (`second`, `minute`, `hour`, `day`, `week`: the
//! rate as the ruleset writes it), `per_second` (the same as a number per
//! second), `burst`, `per_source` (a bucket per source) and
//! `per_destination` (per source and destination) for `limit`, and `rule`
//! (the rule that could not be evaluated) for `unknown`.
//!
//! - `treatment`: one row of a hook's table: `hook`, `version` (4 or 6),
//!   `icmp_type` and `icmp_type_last` (a run of unassigned types, else the
//!   same), `codes` (`[first, last]`, or `null` for every code), `name`,
//!   `unsolicited`, `related`, `below_hop_limit_255` (a fate, or `null`
//!   when the hop limit makes no difference): the fates of a packet that
//!   meets no address or interface condition; `conditional`: where
//!   conditions that hold change them, each with `when` (the conditions,
//!   each `about` — `source`, `destination`, `arriving interface`,
//!   `leaving interface`, `other` — and `condition`, its text), the three
//!   fates then, and `rule` (the rule that decides the first that differs).
//! - `finding`: `kind` (`breaks`, `exposes`, `unknown`, `dead rule`),
//!   `severity` (`info`, `low`, `medium`, `high`, `critical`), `hook`
//!   (`null` for a dead rule), `messages` (each `version`, `icmp_type`,
//!   `codes`), `summary` (the text line), `consequence`, `rule` (where the
//!   responsible rule is) and `rule_text`, `depends` (address or interface
//!   conditions under which the finding does not hold; a drop that does
//!   not hold for every packet is only `info`).
//! - `summary`: `hooks`, `breaks`, `exposes`, `unknown`, `dead_rules`
//!   (findings above `info`), `clean`.
//!
//! # `policy verify`
//!
//! - `check`: one check as it finishes: `name` (`ping-out-v4`,
//!   `redirect-transit-v6`, ...), `version` (4 or 6), `result` (`pass`,
//!   `fail`, `skip`), `reason` (what was observed), `proves` (what the
//!   check shows when it passes), `on_failure` (what a failure breaks or
//!   exposes).
//! - `summary`: `ruleset` (the files), `role`, `machine` (the lab
//!   namespace the ruleset was loaded in), `versions` (the IP versions the
//!   rulesets filter, the only ones checked), `passed`, `failed`,
//!   `skipped`.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// Writes JSON-lines records with `type` and `timestamp` first.
#[derive(Debug)]
pub struct JsonLines<W: Write> {
    out: W,
    flush_each: bool,
}

impl<W: Write> JsonLines<W> {
    /// Records go to `out`, one line each, each flushed as it is written
    /// (a reader following a ping sees every reply at once).
    pub fn new(out: W) -> Self {
        Self {
            out,
            flush_each: true,
        }
    }

    /// Records go to `out` (buffer it) and are flushed by
    /// [`JsonLines::flush`] only: for sweeps that find thousands of hosts
    /// a second.
    pub fn batched(out: W) -> Self {
        Self {
            out,
            flush_each: false,
        }
    }

    /// Flushes what was written.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes one record of type `record_type` with `fields` (an object;
    /// anything else is written under `"value"`).
    pub fn emit(&mut self, record_type: &str, fields: Value) -> io::Result<()> {
        let mut record = Map::new();
        record.insert("type".into(), Value::from(record_type));
        record.insert(
            "timestamp".into(),
            Value::from(unix_seconds(SystemTime::now())),
        );
        match fields {
            Value::Object(map) => record.extend(map.into_iter().filter(|(k, _)| k != "type")),
            Value::Null => {}
            other => {
                record.insert("value".into(), other);
            }
        }
        crate::escape::write_json(&mut self.out, &Value::Object(record))?;
        self.out.write_all(b"\n")?;
        if self.flush_each {
            self.out.flush()?;
        }
        Ok(())
    }
}

/// Seconds since the Unix epoch with microseconds (an f64 holds them
/// exactly for the next few centuries).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn unix_seconds(at: SystemTime) -> f64 {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    (since.as_micros() as f64) / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_record_starts_with_type_and_timestamp() {
        let mut out = Vec::new();
        let mut lines = JsonLines::new(&mut out);
        lines
            .emit(
                "reply",
                json!({"from": "192.0.2.9", "rtt_ms": 1.5, "ttl": null}),
            )
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with('\n'));
        let value: Value = serde_json::from_str(text.trim_end()).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["type", "timestamp", "from", "rtt_ms", "ttl"]);
        assert_eq!(value["type"], "reply");
        assert!(value["timestamp"].as_f64().unwrap() > 1.6e9);
        assert!(value["ttl"].is_null());
    }

    #[test]
    fn unix_seconds_keep_microseconds() {
        let at = UNIX_EPOCH + std::time::Duration::from_micros(1_700_000_000_123_456);
        assert!((unix_seconds(at) - 1_700_000_000.123_456).abs() < 1e-6);
    }
}
