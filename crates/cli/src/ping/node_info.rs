//! `-N`: IPv6 Node Information queries (RFC 4620) as iputils ping asks
//! them and prints their answers (`node_info.c`, `pr_niquery_reply()` in
//! iputils' `ping6_common.c`). The query's bytes are built in
//! `icmpkit_proto::ping::NodeInfoQuery`, the answer's read with
//! `icmpkit_wire::icmpv6::node_info`; this module holds iputils' option
//! words and output.

use std::fmt::Write as _;
use std::net::IpAddr;

use anyhow::{Result, bail};
use icmpkit_proto::ping::NodeInfoQuery;
use icmpkit_wire::IpVersion;
use icmpkit_wire::icmpv6::node_info::{
    self, AddressReplies, FLAG_ALL, FLAG_COMPATIBLE, FLAG_GLOBAL, FLAG_LINK_LOCAL, FLAG_SITE_LOCAL,
    FLAG_TRUNCATE, NameReplies,
};

/// iputils' `-N help` text (stdout for `help`, stderr for a bad value).
pub const HELP: &str = "ping -6 -N <nodeinfo opt>
Help:
  help
Query:
  name
  ipv6
  ipv6-all
  ipv6-compatible
  ipv6-global
  ipv6-linklocal
  ipv6-sitelocal
  ipv4
  ipv4-all
Subject:
  subject-ipv6=addr
  subject-ipv4=addr
  subject-name=name
  subject-fqdn=name
";

/// What the `-N` options ask, before the target is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The Qtype; `None` when no `-N` names one (then iputils pings).
    pub qtype: Option<u16>,
    /// The flags.
    pub flags: u16,
    /// The subject given (code, bytes); the target's address otherwise.
    pub subject: Option<(u8, Vec<u8>)>,
}

impl Request {
    /// Reads every `-N` value in order, as iputils does; a wrong one is
    /// refused with iputils' help text.
    pub fn parse(values: &[String]) -> Result<Self> {
        let mut request = Self::default();
        for value in values {
            request.apply(value)?;
        }
        Ok(request)
    }

    fn set_qtype(&mut self, qtype: u16, flag: u16) -> Result<()> {
        if self.qtype.is_some_and(|q| q != qtype) {
            // iputils says so on stdout, then shows its help.
            println!("Qtype conflict");
            bail!("{}", HELP.trim_end());
        }
        self.qtype = Some(qtype);
        self.flags |= flag;
        Ok(())
    }

    fn set_subject(&mut self, code: u8, bytes: Vec<u8>) -> Result<()> {
        if self.subject.as_ref().is_some_and(|(c, _)| *c != code) {
            println!("Subject type conflict");
            bail!("{}", HELP.trim_end());
        }
        self.subject = Some((code, bytes));
        Ok(())
    }

    fn apply(&mut self, value: &str) -> Result<()> {
        use node_info::{QTYPE_IPV4_ADDRESSES, QTYPE_NODE_ADDRESSES, QTYPE_NODE_NAME};
        match value {
            "name" | "fqdn" => return self.set_qtype(QTYPE_NODE_NAME, 0),
            "ipv6" => return self.set_qtype(QTYPE_NODE_ADDRESSES, 0),
            "ipv6-all" => return self.set_qtype(QTYPE_NODE_ADDRESSES, FLAG_ALL),
            "ipv6-compatible" => return self.set_qtype(QTYPE_NODE_ADDRESSES, FLAG_COMPATIBLE),
            "ipv6-linklocal" => return self.set_qtype(QTYPE_NODE_ADDRESSES, FLAG_LINK_LOCAL),
            "ipv6-sitelocal" => return self.set_qtype(QTYPE_NODE_ADDRESSES, FLAG_SITE_LOCAL),
            "ipv6-global" => return self.set_qtype(QTYPE_NODE_ADDRESSES, FLAG_GLOBAL),
            "ipv4" => return self.set_qtype(QTYPE_IPV4_ADDRESSES, 0),
            "ipv4-all" => return self.set_qtype(QTYPE_IPV4_ADDRESSES, FLAG_ALL),
            _ => {}
        }
        let Some((key, arg)) = value.split_once('=') else {
            bail!("{}", HELP.trim_end());
        };
        match key {
            "subject-ipv6" | "subject-ipv4" => {
                let family = if key == "subject-ipv6" {
                    IpVersion::V6
                } else {
                    IpVersion::V4
                };
                let addr = crate::input::resolve(arg, Some(family))
                    .map_err(|e| anyhow::anyhow!("{e:#}\n{}", HELP.trim_end()))?;
                match addr {
                    IpAddr::V6(a) => self.set_subject(node_info::SUBJECT_IPV6, a.octets().to_vec()),
                    IpAddr::V4(a) => self.set_subject(node_info::SUBJECT_IPV4, a.octets().to_vec()),
                }
            }
            "subject-name" | "subject-fqdn" => {
                // iputils: subject-name is fully qualified when it has a
                // dot; subject-fqdn gets the single-label zero (sic).
                let name = arg.split_once('%').map_or(arg, |(name, _)| name);
                let fqdn = key == "subject-name" && name.contains('.');
                let mut out = [0u8; 300];
                let Ok(len) = node_info::encode_name(name, fqdn, &mut out) else {
                    bail!("inappropriate subject name: {}", name.to_lowercase());
                };
                self.set_subject(node_info::SUBJECT_NAME, out[..len].to_vec())
            }
            _ => bail!("{}", HELP.trim_end()),
        }
    }

    /// The query to send to `target`, when a Qtype was asked for: the
    /// subject given, or the target's IPv6 address.
    pub fn query(&self, target: IpAddr) -> Option<NodeInfoQuery> {
        let IpAddr::V6(addr) = target else {
            return None;
        };
        let qtype = self.qtype?;
        let (subject_code, subject) = self
            .subject
            .clone()
            .unwrap_or((node_info::SUBJECT_IPV6, addr.octets().to_vec()));
        Some(NodeInfoQuery {
            qtype,
            flags: self.flags,
            subject_code,
            subject,
        })
    }
}

/// What a response's line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    /// ICMPv6 bytes received.
    pub bytes: usize,
    /// The sender as printed.
    pub from: &'a str,
    /// [`answer`] of the response.
    pub answer: &'a str,
    /// -v prints the identifier (when iputils knows it).
    pub ident: Option<u16>,
    /// The hop limit, when known.
    pub ttl: Option<u8>,
    /// A second response to the same query, marked.
    pub duplicate: bool,
}

/// iputils' line for a response (no time: a query carries none):
/// `41 bytes from ::1: host.example., mini; seq=1; ttl=64`.
pub fn line(line: &Line<'_>) -> String {
    let mut s = format!("{} bytes from {}:{}", line.bytes, line.from, line.answer);
    if let Some(ident) = line.ident {
        let _ = write!(s, " ident={ident}");
    }
    if let Some(ttl) = line.ttl {
        let _ = write!(s, " ttl={ttl}");
    }
    if line.duplicate {
        s.push_str(" (DUP!)");
    }
    s
}

/// What iputils prints of a response after `N bytes from ADDR:`: the
/// answer (names, addresses, `refused`, ...) and `; seq=N;`.
pub fn answer(message: &[u8]) -> String {
    let mut out = String::new();
    let header = |i: usize| message.get(i).copied().unwrap_or(0);
    let code = header(1);
    let qtype = u16::from_be_bytes([header(4), header(5)]);
    let flags = u16::from_be_bytes([header(6), header(7)]);
    let data = message.get(node_info::FIXED_LEN..).unwrap_or(&[]);
    match code {
        node_info::SUCCESS => match qtype {
            node_info::QTYPE_NODE_NAME => names(&mut out, data),
            node_info::QTYPE_NODE_ADDRESSES | node_info::QTYPE_IPV4_ADDRESSES => {
                let ipv6 = qtype == node_info::QTYPE_NODE_ADDRESSES;
                for (i, entry) in AddressReplies::new(data, ipv6).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    match entry {
                        Ok((_, addr)) => {
                            let _ = write!(out, " {addr}");
                        }
                        Err(_) => out.push_str(" parse error (truncated)"),
                    }
                }
                if flags & FLAG_TRUNCATE != 0 {
                    out.push_str(" (truncated)");
                }
            }
            other => {
                let _ = write!(out, " unknown qtype(0x{other:02x})");
            }
        },
        node_info::REFUSED => out.push_str(" refused"),
        node_info::UNKNOWN_QTYPE => out.push_str(" unknown"),
        // iputils passes the code byte through ntohs.
        other => {
            let _ = write!(out, " unknown code({:02x})", u16::from(other).swap_bytes());
        }
    }
    let _ = write!(out, "; seq={};", u16::from_be_bytes([header(8), header(9)]));
    out
}

/// The names of a Node Name answer: ` name.` each (no final dot for a
/// single-label name), separated by commas.
fn names(out: &mut String, data: &[u8]) {
    let Some(names) = NameReplies::new(data) else {
        out.push_str(" parse error (too short)");
        return;
    };
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match name {
            Ok((name, fqdn)) => {
                let _ = write!(out, " {name}{}", if fqdn { "." } else { "" });
            }
            Err(_) => out.push_str(" parse error (truncated)"),
        }
    }
}

#[cfg(test)]
mod tests;
