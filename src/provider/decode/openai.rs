//! (being written)
use super::{DecodeInfo, Decoder, ThinkTags};
use crate::provider::StreamEvent;
pub struct OpenAiDecoder {
    info: DecodeInfo,
}
impl OpenAiDecoder {
    pub fn new(_t: ThinkTags) -> Self {
        Self {
            info: DecodeInfo::default(),
        }
    }
}
impl Decoder for OpenAiDecoder {
    fn feed(&mut self, _b: &[u8], _o: &mut Vec<StreamEvent>) {}
    fn finish(&mut self, _o: &mut Vec<StreamEvent>) {}
    fn info(&self) -> &DecodeInfo {
        &self.info
    }
}
