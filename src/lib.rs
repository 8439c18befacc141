//! newsmirror: mirror news feeds into a Jekyll-compatible archive.
//!
//! The modules follow the data flow of one run:
//! [`config`] → [`fetch`] → [`feed`] (parse) → [`sanitize`] → [`post`]
//! (render, file name) → [`store`] (state, dedup, writing); [`pipeline`]
//! drives one run over all sources and [`cli`] only wires commands to it.

/// `println!` for command output, through [`out::write`]: a closed
/// pipe ends the output quietly instead of panicking.
macro_rules! outln {
    () => { $crate::out::write(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*), true) };
}

/// `print!` for command output; see [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*), false) };
}

pub mod cli;
pub mod config;
pub mod demo;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod images;
pub mod init;
pub mod lists;
pub mod out;
pub mod pipeline;
pub mod post;
pub mod publish;
pub mod recheck;
pub mod report;
pub mod sanitize;
pub mod site;
pub mod sources;
pub mod status;
pub mod store;
pub mod text;
pub mod watch;
