use super::{normalize_ping_times, normalize_tracepath_times, normalize_traceroute_times};

#[test]
fn reply_times_summary_time_and_rtt_line_are_fixed() {
    let iputils = "\
64 bytes from 198.51.100.2: icmp_seq=1 ttl=63 time=0.052 ms
1 packets transmitted, 1 received, 0% packet loss, time 0ms
rtt min/avg/max/mdev = 0.052/0.052/0.052/0.000 ms";
    assert_eq!(
        normalize_ping_times(iputils),
        "\
64 bytes from 198.51.100.2: icmp_seq=1 ttl=63 time=T ms
1 packets transmitted, 1 received, 0% packet loss, time Tms
rtt min/avg/max/mdev = T ms"
    );
}

#[test]
fn lines_without_times_are_left_alone() {
    let line = "From 192.0.2.254 icmp_seq=1 Destination Host Unreachable";
    assert_eq!(normalize_ping_times(line), line);
}

#[test]
fn tracepath_times_are_made_fixed_with_their_columns() {
    let text = " 1?: [LOCALHOST]                        0.022ms pmtu 1500\n \
                2:  192.0.2.11   123.456ms reached\n \
                3:  192.0.2.11  1234.5ms \n \
                4:  no reply";
    assert_eq!(
        normalize_tracepath_times(text),
        " 1?: [LOCALHOST]                        T.TTTms pmtu 1500\n \
         2:  192.0.2.11     T.TTTms reached\n \
         3:  192.0.2.11  1234.5ms \n \
         4:  no reply"
    );
}

#[test]
fn traceroute_times_are_made_t_and_nothing_else() {
    let text = " 1  192.0.2.254  0.052 ms  1.5 ms *\n 2  10 ms 2 x";
    assert_eq!(
        normalize_traceroute_times(text),
        " 1  192.0.2.254  T ms  T ms *\n 2  T ms 2 x"
    );
}
