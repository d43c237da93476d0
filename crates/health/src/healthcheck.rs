//! `pyroscope-functions healthcheck`: asks this machine's service for `/health/ready` and exits 0
//! when it answers 200, 1 otherwise — the container's HEALTHCHECK, with no curl in the image.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// How long the whole check may take: a probe that hangs is a failed probe.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Probes `127.0.0.1:port/health/ready`, prints what it saw, and says healthy or not.
pub fn run(port: u16) -> ExitCode {
    match ready_status(port) {
        Ok(200) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("/health/ready answered {status}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot ask 127.0.0.1:{port}/health/ready: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The status code of one `GET /health/ready` over plain HTTP/1.0.
fn ready_status(port: u16) -> std::io::Result<u16> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(b"GET /health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    // The status line is all that is needed: "HTTP/1.x NNN reason".
    let mut head = [0u8; 32];
    let mut read = 0;
    while read < 12 {
        let n = stream.read(&mut head[read..])?;
        if n == 0 {
            break;
        }
        read += n;
    }
    parse_status(&head[..read])
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP answer"))
}

fn parse_status(head: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(head.get(..12)?).ok()?;
    let mut words = text.split(' ');
    words.next().filter(|w| w.starts_with("HTTP/"))?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_status;

    #[test]
    fn the_status_line_gives_the_code() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(parse_status(b"HTTP/1.0 503 Service Unavailable"), Some(503));
        assert_eq!(parse_status(b"SSH-2.0-OpenSSH"), None);
        assert_eq!(parse_status(b"HTTP/1.1"), None);
    }
}
