//! The open connections by peer address, so the `reset` fault can close the one a request
//! came on before any response is written (a handler has no other hold on its socket).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Mutex, PoisonError};

use tokio::net::TcpStream;

#[derive(Default)]
pub(crate) struct Connections {
    by_peer: Mutex<HashMap<SocketAddr, RawFd>>,
}

impl Connections {
    /// A connection was accepted.
    pub fn accepted(&self, tcp: &TcpStream) {
        if let Ok(peer) = tcp.peer_addr() {
            self.map().insert(peer, tcp.as_raw_fd());
        }
    }

    /// Shut the connection from `peer` down in both directions: the client sees it closed
    /// before the response. The socket stays open (hyper owns it) until hyper drops it.
    pub fn reset(&self, peer: SocketAddr) {
        if let Some(fd) = self.map().remove(&peer) {
            // SAFETY: `fd` is the socket of the connection the calling handler serves: hyper
            // keeps it open at least until that handler's response is dropped.
            unsafe {
                libc::shutdown(fd, libc::SHUT_RDWR);
            }
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, RawFd>> {
        self.by_peer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
