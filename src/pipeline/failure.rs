//! Why a source failed, as a type: the run report prints it, the state
//! stores its kind, `status` shows it and `watch` backs off by it (a feed
//! that answers 404 is not a feed that timed out).

use crate::fetch::FetchError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Failure {
    /// The server answered with an error status.
    #[error("{message}")]
    Http { status: u16, message: String },
    /// No answer: the host does not resolve, the connection failed or was
    /// cut, the server was too slow.
    #[error("{0}")]
    Network(String),
    /// A rule or limit refused it: too large, a non-public address, a bad
    /// URL, an unreadable file.
    #[error("{0}")]
    Refused(String),
    /// The document is not a feed newsmirror can read.
    #[error("{0}")]
    Parse(String),
    /// The posts or the state could not be written.
    #[error("{0}")]
    Store(String),
    /// A bug: a worker panicked or went away.
    #[error("{0}")]
    Internal(String),
}

impl Failure {
    /// The kind, as the state stores it and `status --json` shows it.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Http { .. } => "http",
            Failure::Network(_) => "network",
            Failure::Refused(_) => "refused",
            Failure::Parse(_) => "parse",
            Failure::Store(_) => "store",
            Failure::Internal(_) => "internal",
        }
    }

    /// Whether the same request may well succeed soon: network trouble,
    /// 5xx, 408 and 429. A 404, a refused URL or a document that is no feed
    /// stays that way until someone changes something.
    pub fn is_transient(&self) -> bool {
        match self {
            Failure::Http { status, .. } => *status >= 500 || matches!(status, 408 | 429),
            Failure::Network(_) | Failure::Store(_) | Failure::Internal(_) => true,
            Failure::Refused(_) | Failure::Parse(_) => false,
        }
    }
}

impl From<&FetchError> for Failure {
    fn from(e: &FetchError) -> Failure {
        let message = e.to_string();
        match e {
            FetchError::Status { status, .. } | FetchError::RetryLater { status, .. } => {
                Failure::Http { status: *status, message }
            }
            FetchError::Timeout(_)
            | FetchError::Deadline(_)
            | FetchError::Connect(_)
            | FetchError::NoHost(_)
            | FetchError::Body(_) => Failure::Network(message),
            _ => Failure::Refused(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_404_is_not_a_timeout() {
        let not_found = Failure::from(&FetchError::Status { status: 404, reason: Some("Not Found".into()) });
        let timeout = Failure::from(&FetchError::Timeout(std::time::Duration::from_secs(20)));
        assert_eq!((not_found.kind(), not_found.is_transient()), ("http", false));
        assert_eq!((timeout.kind(), timeout.is_transient()), ("network", true));
        assert!(Failure::from(&FetchError::Status { status: 503, reason: None }).is_transient());
        assert_eq!(not_found.to_string(), "HTTP 404 Not Found");
    }
}
