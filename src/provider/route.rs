//! A provider as the request side sees it, without its key: how to speak to it, where it is,
//! and (through the catalog) what its models can do. From the user's settings for a message to
//! the exact request that goes on the wire happens here, once, for every caller.

use std::sync::Arc;

use super::decode::ThinkTags;
use super::dialect::{Dialect, Protocol};
use super::plan::{self, Capabilities, PlanError, Resolved, ThinkingSettings};
use super::request::{self, ChatRequest, Message, PreparedRequest, Target};
use crate::catalog::{Catalog, ModelInfo};

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub dialect: Dialect,
    pub protocol: Protocol,
    /// See [`Target::base_url`].
    pub base_url: String,
    /// Override of the dialect's `<think>` tag handling.
    pub think_tags: Option<ThinkTags>,
    pub catalog: Arc<Catalog>,
}

/// One message to plan: the model, the settings as the user chose them, the history.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub model: &'a str,
    pub settings: &'a ThinkingSettings,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// What was decided for a message, and the request that carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub resolved: Resolved,
    pub chat: ChatRequest,
    pub prepared: PreparedRequest,
}

impl Route {
    /// The catalog entry for `model` on this kind of server.
    pub fn model_info(&self, model: &str) -> Option<&ModelInfo> {
        self.catalog.lookup(model, self.dialect.catalog_host())
    }

    pub fn capabilities(&self, model: &str) -> Capabilities {
        Capabilities::of(self.dialect, self.model_info(model))
    }

    /// Where and how requests for `model` go.
    pub fn target(&self, model: &str) -> Target {
        Target {
            dialect: self.dialect,
            protocol: self.protocol,
            base_url: self.base_url.clone(),
            native: self.model_info(model).map(|m| m.native).unwrap_or_default(),
            think_tags: self.think_tags,
        }
    }

    /// Check `ask` against what the model can do (refusing what it cannot honour) and build
    /// the request for `messages`.
    pub fn plan(&self, ask: Ask<'_>, messages: Vec<Message>) -> Result<Planned, PlanError> {
        let caps = self.capabilities(ask.model);
        let resolved = plan::resolve(self.dialect, ask.model, &caps, ask.settings)?;
        let chat = ChatRequest {
            model: ask.model.to_string(),
            messages,
            thinking: resolved,
            max_tokens: ask.max_tokens,
            temperature: ask.temperature,
        };
        let prepared = request::prepare(&self.target(ask.model), &chat);
        Ok(Planned {
            resolved,
            chat,
            prepared,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dialect: Dialect) -> Route {
        Route {
            dialect,
            protocol: Protocol::Openai,
            base_url: "http://127.0.0.1:9/v1".into(),
            think_tags: None,
            catalog: Arc::new(Catalog::builtin()),
        }
    }

    #[test]
    fn a_plan_carries_the_resolved_settings_to_the_wire() {
        let settings = ThinkingSettings {
            thinking: Some(true),
            budget: Some(500),
            preserve: false,
        };
        let ask = Ask {
            model: "qwen3.7-plus",
            settings: &settings,
            max_tokens: None,
            temperature: None,
        };
        let p = route(Dialect::ModelStudio)
            .plan(ask, vec![Message::user("hi")])
            .unwrap();
        assert_eq!(p.resolved.budget, Some(500));
        assert_eq!(p.chat.thinking, p.resolved);
        assert_eq!(p.prepared.body["enable_thinking"], true);
        assert_eq!(p.prepared.body["thinking_budget"], 500);
        assert!(p.prepared.url.ends_with("/chat/completions"));
    }

    #[test]
    fn a_setting_the_model_cannot_honour_is_refused() {
        let off = ThinkingSettings {
            thinking: Some(false),
            ..ThinkingSettings::default()
        };
        let ask = Ask {
            model: "qwq-plus",
            settings: &off,
            max_tokens: None,
            temperature: None,
        };
        let r = route(Dialect::ModelStudio);
        assert!(matches!(
            r.plan(ask, vec![Message::user("hi")]),
            Err(PlanError::ThinkingAlwaysOn { .. })
        ));
    }
}
