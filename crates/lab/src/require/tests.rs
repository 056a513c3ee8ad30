use super::is_root;

#[test]
fn is_root_agrees_with_id() {
    let id = std::process::Command::new("id")
        .arg("-u")
        .output()
        .expect("run id -u");
    assert_eq!(is_root(), id.stdout == b"0\n");
}
