//! Reverse names for the live view, looked up on a thread of their own:
//! a frame never waits for a resolver. Each address is asked once; the
//! lookups themselves are the crate's one cache ([`crate::names::Names`]).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::mpsc::{self, Receiver, Sender};

/// What looks a name up (blocking): [`lookup`], or a fake in tests.
pub type Lookup = Box<dyn FnMut(IpAddr) -> Option<String> + Send>;

/// The reverse lookup of every other subcommand.
pub fn lookup() -> Lookup {
    let mut names = crate::names::Names::new(false);
    Box::new(move |address| names.name(address))
}

/// Lookups in the background. The thread starts at the first question
/// (never with `-n` until `n` is pressed) and ends when this is dropped,
/// after the lookup it may be in.
pub struct Resolver {
    lookup: Option<Lookup>,
    questions: Option<Sender<IpAddr>>,
    answers: Option<Receiver<(IpAddr, Option<String>)>>,
    asked: HashSet<IpAddr>,
}

impl Resolver {
    /// Lookups with `lookup`, none started yet.
    pub fn new(lookup: Lookup) -> Self {
        Self {
            lookup: Some(lookup),
            questions: None,
            answers: None,
            asked: HashSet::new(),
        }
    }

    /// Asks for the names of `addresses` not asked for before.
    pub fn ask(&mut self, addresses: impl IntoIterator<Item = IpAddr>) {
        for address in addresses {
            if !self.asked.insert(address) {
                continue;
            }
            if self.questions.is_none() {
                self.start();
            }
            if let Some(questions) = &self.questions {
                // A thread that is gone (its lookup panicked) answers
                // nothing more: the addresses stay as they are.
                let _ = questions.send(address);
            }
        }
    }

    fn start(&mut self) {
        let Some(mut lookup) = self.lookup.take() else {
            return;
        };
        let (questions, asked) = mpsc::channel::<IpAddr>();
        let (told, answers) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("mtr names".into())
            .spawn(move || {
                for address in asked {
                    if told.send((address, lookup(address))).is_err() {
                        break;
                    }
                }
            });
        // Without a thread there are no names: the view shows addresses.
        if spawned.is_ok() {
            self.questions = Some(questions);
            self.answers = Some(answers);
        }
    }

    /// The names found since the last call (addresses without a name are
    /// left out).
    pub fn answers(&mut self) -> Vec<(IpAddr, String)> {
        let Some(answers) = &self.answers else {
            return Vec::new();
        };
        answers
            .try_iter()
            .filter_map(|(address, name)| name.map(|name| (address, name)))
            .collect()
    }
}
