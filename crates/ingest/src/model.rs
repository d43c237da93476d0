//! How a push's body was encoded.

/// How a protobuf route's body is encoded (its `Content-Type`): the message, or its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireEncoding {
    Proto,
    Json,
}
