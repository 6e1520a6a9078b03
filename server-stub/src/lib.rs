//! The actor host, storage and bundled HTTP/WebSocket server (filled in by a later issue).
