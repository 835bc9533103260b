//! (being written)
use super::{DecodeInfo, Decoder, ThinkTags};
use crate::provider::StreamEvent;
pub struct DashScopeDecoder {
    info: DecodeInfo,
}
impl DashScopeDecoder {
    pub fn new() -> Self {
        Self {
            info: DecodeInfo::default(),
        }
    }
}
impl Decoder for DashScopeDecoder {
    fn feed(&mut self, _b: &[u8], _o: &mut Vec<StreamEvent>) {}
    fn finish(&mut self, _o: &mut Vec<StreamEvent>) {}
    fn info(&self) -> &DecodeInfo {
        &self.info
    }
}
