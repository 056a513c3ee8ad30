use std::os::unix::fs::MetadataExt;

use icmpkit_lab::netns::Lab;

use super::{NetnsError, run_in};

/// The inode of the network namespace the calling thread is in.
fn current_namespace() -> u64 {
    std::fs::metadata("/proc/thread-self/ns/net")
        .expect("read /proc/thread-self/ns/net")
        .ino()
}

#[test]
fn a_missing_namespace_is_an_error_naming_its_file() {
    let error = run_in("icmpkit-no-such-namespace", || ()).unwrap_err();
    assert!(matches!(error, NetnsError::Open { .. }));
    assert!(
        error
            .to_string()
            .starts_with("cannot open network namespace /run/netns/icmpkit-no-such-namespace: "),
        "{error}"
    );
}

#[test]
fn the_closure_runs_in_the_namespace_and_the_caller_stays_out() {
    let Some(lab) = Lab::host("the_closure_runs_in_the_namespace_and_the_caller_stays_out") else {
        return;
    };
    let name = lab.ns("host");
    let before = current_namespace();
    let inside = run_in(&name, current_namespace).unwrap();
    let expected = std::fs::metadata(format!("/run/netns/{name}"))
        .unwrap()
        .ino();
    assert_eq!(inside, expected);
    assert_ne!(inside, before);
    assert_eq!(current_namespace(), before);
}

#[test]
fn a_socket_opened_inside_stays_in_the_namespace() {
    let Some(lab) = Lab::host("a_socket_opened_inside_stays_in_the_namespace") else {
        return;
    };
    // A listener made inside, used from this thread: a client made inside
    // reaches it over the namespace's own loopback.
    let listener = run_in(&lab.ns("host"), || {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap()
    })
    .unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = run_in(&lab.ns("host"), || {
        std::net::TcpStream::connect(("127.0.0.1", port))
    })
    .unwrap();
    assert!(client.is_ok());
    assert!(listener.accept().is_ok());
}

#[test]
#[should_panic(expected = "inside")]
fn a_panic_inside_reaches_the_caller() {
    let Some(lab) = Lab::host("a_panic_inside_reaches_the_caller") else {
        panic!("inside (skipped)");
    };
    run_in(&lab.ns("host"), || panic!("inside")).unwrap();
}
