//! `icmpkit mtr`: a live path view that tells a router's rate limiting
//! from real loss. The rounds run in `icmpkit_proto::mtr::Mtr` (a trace
//! strategy in a `Tracer`); this module parses options, opens the trace
//! sockets, drives the machine and shows the `Path` its results add up
//! to: the live view (`tui`), mtr's report and CSV (`report`), JSON.

mod columns;
mod tui;
