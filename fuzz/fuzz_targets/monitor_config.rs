//! Any text as an `icmpkit monitor` configuration file: an error or a
//! configuration, never a panic; a configuration that loads also plans
//! its probers, its steps and its alert board.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = icmpkit_monitor::config::parse(text, "fuzz.toml") {
        let _ = icmpkit_monitor::prober::plan(&config.targets);
        let mut board = icmpkit_monitor::alert::Board::new(config.alerts.clone());
        let _ = board.set_targets(&config.targets, 0);
    }
});
