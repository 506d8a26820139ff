//! Who a gRPC call runs as: the same users as RESP. A call carries
//! `authorization: Basic base64(user:password)` metadata (for the `default` user the
//! password alone, `base64(password)`, is enough too). The interceptor on the Memorabilia
//! service checks it before any RPC runs: missing credentials while the default user needs
//! a password, or wrong ones, are `UNAUTHENTICATED`; the user found rides in the request's
//! extensions ([`CallUser`]) to the call's client, whose commands the execution path then
//! checks against the user's rules (a denial is `PERMISSION_DENIED`). Health and reflection
//! have no interceptor: they stay open.
//!
//! `protected-mode` applies as on the RESP port ([`crate::acl::Acl::protected_mode_refusal`]):
//! while the default user has no password, calls from beyond the loopback interface get
//! Redis's explanation as `PERMISSION_DENIED`.

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use tonic::{Request, Status};

use super::convert;
use crate::acl::{self, UserHandle};
use crate::error::Error;
use crate::state::{ClientInfo, ClientKind, ServerState};

/// The user a call authenticated as; `None` is the default user.
#[derive(Clone)]
pub struct CallUser(pub Option<Arc<UserHandle>>);

/// Checks a call's credentials (the Memorabilia service's interceptor).
pub fn authenticate(state: &ServerState, mut request: Request<()>) -> Result<Request<()>, Status> {
    let protected = state.config.read().protected_mode;
    if let Some(refusal) = state
        .acl
        .protected_mode_refusal(protected, request.remote_addr())
    {
        return Err(convert::status(&Error::full(refusal)));
    }
    let user = match request.metadata().get("authorization") {
        None if state.acl.requires_auth() => {
            return Err(convert::status(&Error::full(
                "NOAUTH Authentication required.",
            )));
        }
        None => None,
        Some(value) => {
            let (name, password) = basic_credentials(value.as_bytes()).ok_or_else(|| {
                Status::unauthenticated(
                    "authorization metadata must be Basic base64(user:password)",
                )
            })?;
            match state.acl.check_credentials(&name, &password) {
                Some(handle) if Arc::ptr_eq(&handle, state.acl.default_user()) => None,
                Some(handle) => Some(handle),
                None => {
                    log_failed_auth(state, &request, name);
                    return Err(convert::status(&Error::full(
                        "WRONGPASS invalid username-password pair or user is disabled.",
                    )));
                }
            }
        }
    };
    request.extensions_mut().insert(CallUser(user));
    Ok(request)
}

/// `Basic base64(user:password)`, or `Basic base64(password)` for the default user.
fn basic_credentials(value: &[u8]) -> Option<(Bytes, Bytes)> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    Some(match decoded.iter().position(|&b| b == b':') {
        Some(colon) => (
            Bytes::copy_from_slice(&decoded[..colon]),
            Bytes::copy_from_slice(&decoded[colon + 1..]),
        ),
        None => (Bytes::from_static(b"default"), Bytes::from(decoded)),
    })
}

/// A failed authentication in the ACL log, as Redis logs a failed `AUTH`.
fn log_failed_auth(state: &ServerState, request: &Request<()>, name: Bytes) {
    let text = |a: Option<SocketAddr>| a.map(|a| a.to_string()).unwrap_or_default();
    let client = state.clients.unlisted(
        ClientKind::Grpc,
        text(request.remote_addr()),
        text(request.local_addr()),
    );
    crate::exec::log_denial(
        state,
        &client,
        &name,
        acl::Reason::Auth,
        Bytes::from_static(b"AUTH"),
        acl::Context::Toplevel,
    );
}

/// Makes `client` run as the user its call authenticated as.
pub fn apply<T>(request: &Request<T>, state: &ServerState, client: &ClientInfo) {
    match request.extensions().get::<CallUser>() {
        Some(CallUser(user)) => client.set_user(user.clone(), true),
        // Only a call that bypassed the interceptor (none does when served): as a client
        // that sent no credentials.
        None => client.set_user(None, !state.acl.requires_auth()),
    }
}

/// The user of a call, if it is not the default user.
pub fn call_user<T>(request: &Request<T>) -> Option<Arc<UserHandle>> {
    request
        .extensions()
        .get::<CallUser>()
        .and_then(|u| u.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_with_and_without_a_user() {
        let encode = |s: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(s)
            )
        };
        assert_eq!(
            basic_credentials(encode("alice:p:w").as_bytes()),
            Some((Bytes::from("alice"), Bytes::from("p:w")))
        );
        assert_eq!(
            basic_credentials(encode("secret").as_bytes()),
            Some((Bytes::from("default"), Bytes::from("secret")))
        );
        assert_eq!(basic_credentials(b"Bearer abc"), None);
        assert_eq!(basic_credentials(b"Basic !!!"), None);
    }
}
