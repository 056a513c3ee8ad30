//! `-A`: the origin AS of each hop address, looked up in the DNS
//! (`icmpkit_proto::trace::asn`: TXT records in Team Cymru's format) with
//! hickory-resolver, the resolver made for the job: the system's
//! resolv.conf, or one server (`--dns-server`). Each address is asked
//! once; a server that does not answer is asked no more, and says so once
//! (those addresses print `[!!]`, as traceroute prints a failed lookup).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};
use icmpkit_proto::trace::asn::{Lookup, Origin, origin_query};

/// How long one lookup waits for the server.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// The origin AS lookups of one run, cached by address.
pub struct AsNumbers {
    runtime: tokio::runtime::Runtime,
    resolver: TokioResolver,
    /// `None`: the lookup failed.
    #[allow(clippy::option_option)] // three outcomes, cached as they came
    cache: HashMap<IpAddr, Option<Option<Origin>>>,
    /// The server stopped answering: no more lookups.
    gave_up: bool,
}

impl std::fmt::Debug for AsNumbers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsNumbers")
            .field("cached", &self.cache.len())
            .field("gave_up", &self.gave_up)
            .finish_non_exhaustive()
    }
}

/// `--dns-server ADDR[:PORT]` (`[V6]:PORT` with a port); port 53 unless
/// given.
pub fn dns_server(value: &str) -> Result<SocketAddr> {
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Ok(addr);
    }
    match value.parse::<IpAddr>() {
        Ok(ip) => Ok(SocketAddr::new(ip, 53)),
        Err(_) => bail!(
            "--dns-server {value}: not an address (ADDR, ADDR:PORT or [IPV6]:PORT, e.g. \
             192.0.2.53 or [2001:db8::53]:5353)"
        ),
    }
}

impl AsNumbers {
    /// Lookups through `server`, or the system's resolver configuration
    /// (`/etc/resolv.conf`) without one.
    pub fn new(server: Option<SocketAddr>) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .context("-A: cannot start the DNS resolver's runtime")?;
        let provider = TokioRuntimeProvider::default();
        let mut builder = match server {
            Some(addr) => {
                let mut name_server = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut name_server.connections {
                    connection.port = addr.port();
                }
                let config = ResolverConfig::from_parts(None, Vec::new(), vec![name_server]);
                Resolver::builder_with_config(config, provider)
            }
            None => Resolver::builder(provider)
                .context("-A: cannot read the system's resolver configuration")?,
        };
        let options = builder.options_mut();
        options.timeout = LOOKUP_TIMEOUT;
        options.attempts = 1;
        let resolver = {
            // The resolver's connections belong to the runtime.
            let _inside = runtime.enter();
            builder
                .build()
                .context("-A: cannot set up the DNS resolver")?
        };
        Ok(Self {
            runtime,
            resolver,
            cache: HashMap::new(),
            gave_up: false,
        })
    }

    /// The origin of `addr`'s prefix, looked up once.
    pub fn origin(&mut self, addr: IpAddr) -> Lookup<'_> {
        if !self.cache.contains_key(&addr) {
            let found = self.look_up(addr);
            self.cache.insert(addr, found);
        }
        match self.cache.get(&addr) {
            Some(Some(Some(origin))) => Lookup::Known(origin),
            Some(Some(None)) => Lookup::Unknown,
            _ => Lookup::Failed,
        }
    }

    /// `None` when the lookup failed, `Some(None)` when the service knows
    /// no prefix holding `addr`.
    #[allow(clippy::option_option)] // three outcomes, cached as they came
    fn look_up(&mut self, addr: IpAddr) -> Option<Option<Origin>> {
        if self.gave_up {
            return None;
        }
        let query = origin_query(addr);
        match self
            .runtime
            .block_on(self.resolver.txt_lookup(query.as_str()))
        {
            Ok(lookup) => Some(Origin::most_specific(lookup.answers().iter().filter_map(
                |record| match &record.data {
                    RData::TXT(txt) => Origin::parse(&txt.to_string()),
                    _ => None,
                },
            ))),
            // The service knows no prefix holding it.
            Err(e) if e.is_nx_domain() || e.is_no_records_found() => Some(None),
            Err(e) => {
                self.gave_up = true;
                eprintln!("icmpkit: -A: no more AS lookups: asking for {query}: {e}");
                None
            }
        }
    }
}
