//! Alerts: [`rule`]s from the configuration, judged on every closed step
//! and every trace with hysteresis ([`Board`]), fired and resolved once
//! each, delivered to receivers — Alertmanager's API, a webhook, a
//! command ([`Deliverer`]).
//!
//! # Judging
//!
//! A [`Board`] keeps one state per (rule name, target name). Each closed
//! step ([`Board::on_step`]) or trace ([`Board::on_path`]) gives every rule
//! that watches the target one verdict: **bad**, **good** or **neither**.
//!
//! | kind | bad | good | neither |
//! |---|---|---|---|
//! | `loss` | loss > `above` | loss ≤ `clear` | in between; no probe sent |
//! | `rtt` | median > `above` | median ≤ `clear` | in between; no reply (that is `down`'s business) |
//! | `rtt_over_baseline` | median more than `percent` % over the baseline | at most `clear_percent` % over | in between; no reply; baseline not yet known |
//! | `down` | probes sent, none answered | an answer | no probe sent |
//! | `path_changed` | the trace differs from the one before ([`PathRecord::changed_from`](crate::path::PathRecord::changed_from)) | the same path | the first trace |
//! | `pmtu_dropped` | the path MTU is below the last one seen | not below | no MTU in the trace, or none before |
//!
//! A step with no probe sent is no evidence either way. A value inside the
//! hysteresis band (between `clear` and `above`) is *neither*: it neither
//! counts towards firing or resolving nor breaks a run. "In a row" counts
//! bad and good verdicts only: a bad verdict breaks a run of good ones and
//! a good verdict breaks a run of bad ones; verdicts of *neither* are
//! skipped over.
//!
//! - An alert that is not firing fires on its `for_steps`-th bad verdict
//!   in a row (path rules fire on the event itself: `for_steps` does not
//!   apply to them).
//! - A firing alert resolves on its `clear_steps`-th good verdict in a
//!   row. For `path_changed` this means `clear_steps` traces in a row that
//!   found the new path again (the path is stable); for `pmtu_dropped`,
//!   `clear_steps` walks that found no further drop. Both are events: the
//!   alert says the path (or its MTU) changed, not that it differs from
//!   some reference.
//! - While firing, further bad verdicts only update the alert's `value`
//!   and `description`: an alert fires once and resolves once per episode.
//! - The baseline of `rtt_over_baseline` is the median of the medians of
//!   the `baseline_steps` steps before the one judged (steps with no
//!   reply are skipped); until that many are known the rule judges
//!   nothing. Every step's median joins the baseline, bad ones too, so a
//!   lasting shift becomes the new normal and the alert resolves. At most
//!   [`board::MAX_BASELINE_STEPS`] medians are kept per rule and target.
//! - Times are the data's: an alert starts at the end of the step (or the
//!   trace) that made it fire and ends at the end of the one that resolved
//!   it. The board reads no clock.
//!
//! On a reload, [`Board::reconfigure`] keeps the state of every pair whose
//! rule still exists under the same name and condition kind and still
//! watches the target, and [`Board::set_targets`] drops the state of
//! targets gone or moved to another group; an alert firing in a dropped
//! state resolves then (the transition is returned for delivery). A firing
//! alert keeps the labels it fired with until it resolves.
//!
//! `/api/alerts` serves [`Board::view`]: `{"active": [Alert], "recent":
//! [Alert]}`, each [`Alert`] as
//!
//! ```json
//! {"rule": "HighLoss", "kind": "loss", "target": "gw", "host": "10.0.0.1",
//!  "group": "core", "severity": "critical", "labels": {"site": "fra1", "team": "net"},
//!  "state": "firing", "starts_at": 1764921600, "ends_at": null, "value": 0.25,
//!  "summary": "Loss above 10 %", "description": "loss 25 % (5 of 20 probes lost); ..."}
//! ```
//!
//! (times in Unix seconds; `recent` holds at most
//! [`board::RECENT_RESOLVED`] resolved alerts, newest first).
//!
//! # Delivery
//!
//! [`Deliverer::spawn`] starts a task; its [`DeliveryHandle`] takes
//! [`Transition`]s without ever waiting (a full queue drops and counts).
//! Each receiver has its own queue and sends in order; what is queued
//! when a send starts goes in one message (up to 64 alerts). Every alert
//! carries the labels `alertname` (the rule), `target`, `host` (when
//! known), `group`, `severity` and `agent`, over the target's and the
//! rule's labels, and the annotations `summary` and `description`. Times
//! are RFC 3339, UTC.
//!
//! - **Alertmanager** (`alertmanager = "http://host:9093"`):
//!   `POST {url}/api/v2/alerts` with a JSON array of Alertmanager's
//!   `postableAlert`: `{"labels": {...}, "annotations": {...}, "startsAt":
//!   T, "endsAt": T, "generatorURL": U}` (`generatorURL` only when an
//!   external URL is set). Like Prometheus, firing alerts are sent again
//!   every [`DeliverySettings::resend_every`] (1 minute) with `endsAt`
//!   four times that ahead: Alertmanager keeps them firing while the agent
//!   lives, whatever its `resolve_timeout`, and resolves them by itself 4
//!   minutes after an agent died. A resolved alert is sent with the
//!   `endsAt` it resolved at.
//! - **Webhook** (`webhook = "http://..."`): `POST` of one JSON object in
//!   Alertmanager's webhook-receiver shape (version 4), so receivers
//!   written for Alertmanager understand it:
//!
//!   ```json
//!   {"version": "4", "groupKey": "{}:{agent=\"lab-a\"}", "truncatedAlerts": 0,
//!    "status": "firing", "receiver": "ops", "groupLabels": {"agent": "lab-a"},
//!    "commonLabels": {...}, "commonAnnotations": {...}, "externalURL": "",
//!    "alerts": [{"status": "firing", "labels": {...}, "annotations": {...},
//!                "startsAt": "2025-12-05T08:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
//!                "generatorURL": "", "fingerprint": "1a30ba71cca2921f"}]}
//!   ```
//!
//!   `status` is `firing` when any alert of the message fires; a firing
//!   alert's `endsAt` is Go's zero time, as Alertmanager writes it.
//!   Webhooks are sent transitions only, never repeats.
//! - **Command** (`command = ["prog", "arg"]`): the program runs with the
//!   same JSON object as a webhook on its standard input, its output
//!   discarded (standard error inherited); it is killed after the
//!   receiver's `timeout`. A failure (exit status, timeout) is logged and
//!   not retried: a command is never run twice for one message.
//!
//! HTTP is plain `http://` (hyper); a request gets the receiver's
//! `timeout`. A failed request (no connection, timeout, 5xx, 408, 429) is
//! tried again after 1 s, 2 s, 4 s, … (at most 30 s apart), 8 attempts in
//! all; other 4xx answers are not retried. A message given up on is logged
//! and dropped: delivery never holds the daemon up. On
//! [`DeliveryHandle::shutdown`] each queued message gets one more attempt,
//! within the given deadline. Log lines go to standard error.

pub mod board;
pub mod deliver;
pub mod payload;
pub mod rule;

pub use board::{Alert, AlertState, AlertsView, Board, Transition, TransitionKind};
pub use deliver::{Deliverer, DeliveryError, DeliveryHandle, DeliverySettings, DeliveryStats};
pub use payload::Origin;
