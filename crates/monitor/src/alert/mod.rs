//! Alerts: [`rule`]s from the configuration, judged on every closed step
//! with hysteresis, fired and resolved once each, delivered to receivers
//! (Alertmanager's API, a webhook, a command).

pub mod rule;
