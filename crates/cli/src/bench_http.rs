//! The bench's HTTP/1.1 client, as `wrk` and `oha` do it: one keep-alive connection per
//! simulated client, each request written from a few formatted lines, each response read by its
//! `Content-Length` and its status checked. The load generator shares the machine's cores with
//! the server it measures, so what it spends is taken from the server: with reqwest the client
//! side was a large share of the CPU (docs/performance.md, "The load generator").

use std::io::{self, Write};
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where to send requests, and as whom.
#[derive(Clone)]
pub(crate) struct Target {
    pub addr: SocketAddr,
    /// The `Authorization` header's value.
    pub auth: String,
}

/// One request of a phase.
pub(crate) struct Req {
    pub method: &'static str,
    /// Path and query, e.g. `/api/v1/incidents/7`.
    pub path: String,
    /// A JSON body.
    pub body: Option<Vec<u8>>,
    /// The status that counts as success.
    pub expect: u16,
}

impl Req {
    pub fn get(path: String) -> Self {
        Req { method: "GET", path, body: None, expect: 200 }
    }
}

/// One client's keep-alive connection; reconnects after an error.
pub(crate) struct Conn {
    target: Target,
    stream: Option<TcpStream>,
    /// Bytes read and not yet consumed.
    buf: Vec<u8>,
    out: Vec<u8>,
}

impl Conn {
    pub fn new(target: Target) -> Self {
        Conn { target, stream: None, buf: Vec::with_capacity(16 * 1024), out: Vec::with_capacity(1024) }
    }

    /// Sends `req` and reads the whole answer: whether its status was the expected one.
    pub async fn send(&mut self, req: &Req) -> bool {
        match self.exchange(req).await {
            Ok(status) => status == req.expect,
            Err(_) => {
                self.stream = None;
                false
            }
        }
    }

    async fn exchange(&mut self, req: &Req) -> io::Result<u16> {
        self.out.clear();
        write!(
            self.out,
            "{} {} HTTP/1.1\r\nhost: {}\r\nauthorization: {}\r\n",
            req.method, req.path, self.target.addr, self.target.auth
        )?;
        match &req.body {
            Some(b) => {
                write!(self.out, "content-type: application/json\r\ncontent-length: {}\r\n\r\n", b.len())?;
                self.out.extend_from_slice(b);
            }
            None => self.out.extend_from_slice(b"\r\n"),
        }
        let stream = match &mut self.stream {
            Some(s) => s,
            None => {
                let s = TcpStream::connect(self.target.addr).await?;
                s.set_nodelay(true)?;
                self.buf.clear();
                self.stream.insert(s)
            }
        };
        stream.write_all(&self.out).await?;
        let (status, head, body, close) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(&self.buf).map_err(io::Error::other)? {
                httparse::Status::Complete(head) => {
                    let header =
                        |name: &str| resp.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value);
                    let len = header("content-length")
                        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok())
                        .ok_or_else(|| io::Error::other("an answer without Content-Length"))?;
                    let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
                    break (resp.code.unwrap_or(0), head, len, close);
                }
                httparse::Status::Partial => {
                    if stream.read_buf(&mut self.buf).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
        };
        while self.buf.len() < head + body {
            if stream.read_buf(&mut self.buf).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        self.buf.drain(..head + body);
        if close {
            self.stream = None;
        }
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Reads one request head (the bench's requests here have no body).
    async fn read_head(s: &mut TcpStream) -> String {
        let mut buf = Vec::new();
        while !buf.ends_with(b"\r\n\r\n") {
            let mut b = [0u8; 1];
            assert_eq!(s.read(&mut b).await.expect("read"), 1, "request cut short");
            buf.push(b[0]);
        }
        String::from_utf8(buf).expect("utf-8")
    }

    #[tokio::test]
    async fn reads_answers_split_across_packets_and_reconnects_after_close() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.expect("accept");
            let head = read_head(&mut s).await;
            assert!(head.starts_with("GET /a HTTP/1.1\r\n"), "{head}");
            assert!(head.contains("authorization: Bearer t\r\n"), "{head}");
            // The head and body arrive in pieces.
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Le").await.expect("write");
            s.flush().await.expect("flush");
            tokio::task::yield_now().await;
            s.write_all(b"ngth: 5\r\n\r\nhel").await.expect("write");
            s.write_all(b"lo").await.expect("write");
            // The second answer closes the connection.
            read_head(&mut s).await;
            s.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await.expect("w");
            drop(s);
            let (mut s, _) = listener.accept().await.expect("accept again");
            read_head(&mut s).await;
            s.write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}").await.expect("write");
        });
        let mut conn = Conn::new(Target { addr, auth: "Bearer t".into() });
        assert!(conn.send(&Req::get("/a".into())).await);
        assert!(!conn.send(&Req::get("/b".into())).await, "404 is not the expected 200");
        let post = Req { method: "POST", path: "/c".into(), body: None, expect: 201 };
        assert!(conn.send(&post).await, "a new connection after `connection: close`");
        server.await.expect("server");
    }
}
