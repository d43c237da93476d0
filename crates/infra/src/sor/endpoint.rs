//! A contract's operations, each declared once: its method and its path as the routes document
//! it (`{name}` for each of its `N` parameters). The routes' OpenAPI paths name the same
//! constant, the remote client calls through it, and `tests/api/contract_operations.rs` checks
//! that the routes serve every one (docs/architecture.md#contracts-and-their-clients), so the
//! three cannot drift apart.

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    /// As HTTP writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }

    /// Whether sending it twice does what sending it once does: only these are retried.
    pub const fn idempotent(self) -> bool {
        !matches!(self, Verb::Post)
    }
}

/// One operation of a contract with `N` path parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint<const N: usize> {
    pub verb: Verb,
    /// As documented, e.g. `/baselines/{appName}/{type}`.
    pub path: &'static str,
}

/// An operation without its number of parameters, for lists of a contract's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Operation {
    pub verb: Verb,
    pub path: &'static str,
}

impl<const N: usize> Endpoint<N> {
    /// `verb path`. Declared as a `const`, a path whose parameters are not `N` does not build:
    ///
    /// ```compile_fail,E0080
    /// use pf_infra::sor::endpoint::Endpoint;
    /// const BY_APP: Endpoint<2> = Endpoint::get("/baselines/{appName}");
    /// let _ = BY_APP.at(["app", "cpu"]);
    /// ```
    pub const fn new(verb: Verb, path: &'static str) -> Self {
        assert!(
            parameters(path) == N,
            "an endpoint's path has as many parameters as its N"
        );
        Endpoint { verb, path }
    }

    pub const fn get(path: &'static str) -> Self {
        Self::new(Verb::Get, path)
    }

    pub const fn post(path: &'static str) -> Self {
        Self::new(Verb::Post, path)
    }

    pub const fn put(path: &'static str) -> Self {
        Self::new(Verb::Put, path)
    }

    pub const fn delete(path: &'static str) -> Self {
        Self::new(Verb::Delete, path)
    }

    pub const fn operation(&self) -> Operation {
        Operation {
            verb: self.verb,
            path: self.path,
        }
    }

    /// The call of this operation with `args` in place of its parameters, in their order.
    pub fn at<'a>(&self, args: [&'a str; N]) -> Call<'a> {
        let mut args = args.into_iter();
        let segments = self
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|segment| {
                if segment.starts_with('{') {
                    // `new` counted one argument for every parameter.
                    args.next().unwrap_or_default()
                } else {
                    segment
                }
            })
            .collect();
        Call {
            verb: self.verb,
            segments,
        }
    }
}

/// An operation about to be called: its method, and its path's segments (each is
/// percent-encoded as one segment when sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call<'a> {
    pub verb: Verb,
    pub segments: Vec<&'a str>,
}

/// How many `{…}` parameters `path` has.
const fn parameters(path: &str) -> usize {
    let bytes = path.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'{' {
            n += 1;
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_TYPE: Endpoint<2> = Endpoint::get("/baselines/{appName}/{type}");

    #[test]
    fn a_call_puts_its_arguments_in_the_parameters_places() {
        let call = BY_TYPE.at(["a/b c", "cpu"]);
        assert_eq!(call.verb, Verb::Get);
        assert_eq!(call.segments, ["baselines", "a/b c", "cpu"]);
        let none: Endpoint<0> = Endpoint::post("/baselines");
        assert_eq!(none.at([]).segments, ["baselines"]);
        assert_eq!(
            BY_TYPE.operation(),
            Operation {
                verb: Verb::Get,
                path: "/baselines/{appName}/{type}"
            }
        );
    }

    #[test]
    fn only_a_post_is_not_retried() {
        let retried = [Verb::Get, Verb::Post, Verb::Put, Verb::Delete].map(Verb::idempotent);
        assert_eq!(retried, [true, false, true, true]);
    }
}
