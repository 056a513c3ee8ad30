//! The files a package ships, made by the binary from its clap
//! definitions: `icmpkit completions SHELL` and `icmpkit manpages DIR`
//! (hidden subcommands); and help wrapped to the terminal's width.

use std::process::Command;

use icmpkit_lab::{icmpkit, text};

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _icmpkit"),
        ("zsh", "#compdef icmpkit"),
        ("fish", "complete -c icmpkit"),
        ("elvish", "edit:completion:arg-completer[icmpkit]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = Command::new(icmpkit!())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        // Subcommands and their options are in it.
        assert!(script.contains("probe-interface"), "{shell}");
    }
    let out = Command::new(icmpkit!())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("possible values: bash, elvish, fish, powershell, zsh"));
}

#[test]
fn manual_pages_for_the_command_and_each_subcommand() {
    let dir = std::env::temp_dir().join(format!("icmpkit-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(icmpkit!())
        .arg("manpages")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "icmpkit-decode.1",
            "icmpkit-explain.1",
            "icmpkit-fping.1",
            "icmpkit-guard.1",
            "icmpkit-monitor.1",
            "icmpkit-mtr.1",
            "icmpkit-netsim.1",
            "icmpkit-ping.1",
            "icmpkit-policy.1",
            "icmpkit-sweep.1",
            "icmpkit-trace.1",
            "icmpkit.1",
        ]
    );
    assert_eq!(text(&out.stdout).lines().count(), pages.len());
    let ping = std::fs::read_to_string(dir.join("icmpkit-ping.1")).unwrap();
    assert!(ping.contains(".TH icmpkit-ping 1"), "{ping}");
    assert!(
        ping.contains("icmpkit ping"),
        "the synopsis names the command as typed"
    );
    let top = std::fs::read_to_string(dir.join("icmpkit.1")).unwrap();
    // Hidden subcommands stay out of the pages.
    assert!(!top.contains("manpages") && !top.contains("completions"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_wraps_to_the_terminal() {
    let help = |columns: &str| {
        let out = Command::new(icmpkit!())
            .args(["ping", "--help"])
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        text(&out.stdout)
    };
    let narrow = help("50");
    assert!(narrow.lines().all(|l| l.chars().count() <= 50), "{narrow}");
    let wide = help("200");
    assert!(wide.lines().any(|l| l.chars().count() > 50));
}
