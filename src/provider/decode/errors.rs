//! (being written)
use crate::provider::ApiError;
pub fn parse_error_body(status: u16, _body: &[u8], _f: super::WireFormat) -> ApiError {
    ApiError {
        status: Some(status),
        ..Default::default()
    }
}
