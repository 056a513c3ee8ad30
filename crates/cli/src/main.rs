//! `icmpkit`: the command-line front end.

fn main() {
    println!("icmpkit");
}
