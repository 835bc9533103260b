//! Errors, rendered in the shape of each protocol (protocols.md §1.6).

use serde::Serialize;

/// Which wire protocol a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    OpenAi,
    Native,
}

/// One Model Studio error, with its native and OpenAI-compatible spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError {
    pub status: u16,
    pub native_code: &'static str,
    pub openai_code: &'static str,
    pub openai_type: &'static str,
    pub native_message: String,
    pub openai_message: String,
}

const INCORRECT_KEY: &str = "Incorrect API key provided. For details, see: https://www.alibabacloud.com/help/en/model-studio/error-code#apikey-error";

impl WireError {
    fn new(
        status: u16,
        native_code: &'static str,
        openai_code: &'static str,
        openai_type: &'static str,
        message: impl Into<String>,
    ) -> WireError {
        let message = message.into();
        WireError {
            status,
            native_code,
            openai_code,
            openai_type,
            openai_message: message.clone(),
            native_message: message,
        }
    }

    /// 400 `InvalidParameter`. The OpenAI-compatible message carries the native code, as the
    /// real service does (`<400> InternalError.Algo.InvalidParameter: …`).
    pub fn invalid_parameter(message: impl Into<String>) -> WireError {
        let mut e = WireError::new(
            400,
            "InvalidParameter",
            "invalid_parameter_error",
            "invalid_request_error",
            message,
        );
        e.openai_message = format!(
            "<400> InternalError.Algo.InvalidParameter: {}",
            e.native_message
        );
        e
    }

    pub fn unauthorized() -> WireError {
        let mut e = WireError::new(
            401,
            "InvalidApiKey",
            "invalid_api_key",
            "invalid_request_error",
            "Invalid API-key provided.",
        );
        e.openai_message = INCORRECT_KEY.to_string();
        e
    }

    pub fn rate_limited() -> WireError {
        WireError::new(
            429,
            "Throttling.RateQuota",
            "limit_requests",
            "limit_requests",
            "Requests rate limit exceeded, please try again later.",
        )
    }

    pub fn internal() -> WireError {
        WireError::new(
            500,
            "InternalError",
            "internal_error",
            "internal_error",
            "An internal error has occured, please try again later or contact service support.",
        )
    }

    pub fn forbidden() -> WireError {
        WireError::new(
            403,
            "AccessDenied",
            "access_denied",
            "invalid_request_error",
            "Access denied.",
        )
    }

    /// What a gateway in front of the service says when it cannot reach it; sent as an HTML
    /// page (see the server), the JSON shape is for completeness.
    pub fn bad_gateway() -> WireError {
        WireError::new(
            502,
            "BadGateway",
            "bad_gateway",
            "service_unavailable_error",
            "Bad Gateway",
        )
    }

    pub fn unavailable() -> WireError {
        WireError::new(
            503,
            "ModelUnavailable",
            "model_unavailable",
            "service_unavailable_error",
            "Model is unavailable, please try again later.",
        )
    }

    pub fn model_not_found(model: &str) -> WireError {
        let mut e = WireError::new(
            404,
            "ModelNotFound",
            "model_not_supported",
            "invalid_request_error",
            format!("The model `{model}` does not exist or you do not have access to it."),
        );
        e.openai_message = format!("Unsupported model `{model}` for OpenAI compatibility mode.");
        e
    }

    /// Output moderation tripped (sent mid-stream, or as a 400 on non-streaming calls).
    pub fn output_inspection() -> WireError {
        WireError::new(
            400,
            "DataInspectionFailed",
            "data_inspection_failed",
            "data_inspection_failed",
            "Output data may contain inappropriate content.",
        )
    }

    /// No `model` in the request.
    pub fn empty_model() -> WireError {
        WireError::new(
            400,
            "BadRequest.EmptyModel",
            "invalid_parameter_error",
            "invalid_request_error",
            "Required parameter \"model\" missing from request.",
        )
    }

    pub fn not_found_url() -> WireError {
        WireError::new(
            404,
            "InvalidURL",
            "invalid_url",
            "invalid_request_error",
            "The requested URL does not exist, please check the url.",
        )
    }

    pub fn body_too_large() -> WireError {
        WireError::new(
            413,
            "BadRequest.TooLarge",
            "invalid_parameter_error",
            "invalid_request_error",
            "Request body is too large.",
        )
    }

    /// The non-2xx body on `protocol`.
    pub fn body(&self, protocol: Protocol, request_id: &str) -> String {
        match protocol {
            // The gateway writes these with `", "` and `": "` separators, as in the recorded
            // `dashscope-openai-error.json`.
            Protocol::OpenAi => to_spaced_json(&OpenAiErrorBody {
                error: OpenAiError {
                    message: &self.openai_message,
                    r#type: self.openai_type,
                    param: None,
                    code: self.openai_code,
                },
                request_id,
            }),
            Protocol::Native => self.native_json(request_id),
        }
    }

    /// The native `{"code","message","request_id"}` object.
    pub fn native_json(&self, request_id: &str) -> String {
        to_json(&NativeErrorBody {
            code: self.native_code,
            message: &self.native_message,
            request_id,
        })
    }

    /// The OpenAI-compatible in-stream error object (`data: {"error":…,"id":…,"request_id":…}`).
    pub fn openai_stream_json(&self, completion_id: &str, request_id: &str) -> String {
        to_json(&OpenAiStreamError {
            error: OpenAiStreamErrorInner {
                code: self.openai_code,
                param: None,
                message: &self.openai_message,
                r#type: self.openai_type,
            },
            id: completion_id,
            request_id,
        })
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs cannot fail; an empty object keeps the wire well-formed.
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string())
}

/// JSON with a space after every `,` and `:` (Python's `json.dumps` default style).
fn to_spaced_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Spaced);
    match value.serialize(&mut ser) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| to_json(value)),
        Err(_) => to_json(value),
    }
}

struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }
}

#[derive(Serialize)]
struct OpenAiErrorBody<'a> {
    error: OpenAiError<'a>,
    request_id: &'a str,
}

#[derive(Serialize)]
struct OpenAiError<'a> {
    message: &'a str,
    r#type: &'a str,
    param: Option<&'a str>,
    code: &'a str,
}

#[derive(Serialize)]
struct OpenAiStreamError<'a> {
    error: OpenAiStreamErrorInner<'a>,
    id: &'a str,
    request_id: &'a str,
}

#[derive(Serialize)]
struct OpenAiStreamErrorInner<'a> {
    code: &'a str,
    param: Option<&'a str>,
    message: &'a str,
    r#type: &'a str,
}

#[derive(Serialize)]
struct NativeErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    request_id: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_bodies_match_the_fixture_shapes() {
        let e = WireError::unauthorized();
        assert_eq!(
            e.body(Protocol::OpenAi, "rid"),
            format!(
                r#"{{"error": {{"message": "{INCORRECT_KEY}", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}, "request_id": "rid"}}"#
            )
        );
        assert_eq!(
            e.body(Protocol::Native, "rid"),
            r#"{"code":"InvalidApiKey","message":"Invalid API-key provided.","request_id":"rid"}"#
        );
    }

    #[test]
    fn stream_error_matches_the_fixture_shape() {
        let e = WireError::output_inspection();
        assert_eq!(
            e.openai_stream_json("chatcmpl-rid", "rid"),
            r#"{"error":{"code":"data_inspection_failed","param":null,"message":"Output data may contain inappropriate content.","type":"data_inspection_failed"},"id":"chatcmpl-rid","request_id":"rid"}"#
        );
    }

    #[test]
    fn invalid_parameter_embeds_the_native_code_on_openai() {
        let e = WireError::invalid_parameter("bad");
        assert_eq!(e.native_message, "bad");
        assert_eq!(
            e.openai_message,
            "<400> InternalError.Algo.InvalidParameter: bad"
        );
    }
}
