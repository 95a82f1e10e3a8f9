//! The transport-neutral HTTP request and response that adapters take and give. A server (hyper,
//! wiremock) only converts to and from these, so adapters never depend on a server.

/// An HTTP request exactly as received: raw path and query (signatures need them), headers in
/// arrival order with their names as sent, and the body bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    /// Path and query as received, e.g. `/?Action=DescribeImages&RegionId=cn-hangzhou`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// Shared bytes, so a registry stores an uploaded blob without copying it.
    pub body: bytes::Bytes,
}

impl HttpRequest {
    pub fn new(method: &str, target: &str) -> HttpRequest {
        HttpRequest { method: method.to_string(), target: target.to_string(), ..Default::default() }
    }

    pub fn header(mut self, name: &str, value: &str) -> HttpRequest {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> HttpRequest {
        self.body = bytes::Bytes::from(body.into());
        self
    }

    /// Changes the body in place (tests that tamper with a signed request).
    pub fn edit_body(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let mut body = self.body.to_vec();
        f(&mut body);
        self.body = body.into();
    }

    /// The raw path, before `?`.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map(|(p, _)| p).unwrap_or(&self.target)
    }

    /// The raw query, after `?` (empty when there is none).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    /// A header's value by case-insensitive name; repeated headers are joined with `,`.
    pub fn get(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        // Signatures look up several headers per request: borrowed in the usual case of a
        // header sent once, one allocation to join repeats.
        let mut found: Option<std::borrow::Cow<'_, str>> = None;
        for (n, v) in &self.headers {
            if n.eq_ignore_ascii_case(name) {
                match found.as_mut() {
                    None => found = Some(std::borrow::Cow::Borrowed(v.as_str())),
                    Some(all) => {
                        let all = all.to_mut();
                        all.push(',');
                        all.push_str(v);
                    }
                }
            }
        }
        found
    }

    /// Parses a raw HTTP/1.1 request (as in the SDK captures): request line, headers, blank line,
    /// body. CRLF or LF line ends.
    pub fn parse_raw(raw: &[u8]) -> Option<HttpRequest> {
        let split = find(raw, b"\r\n\r\n").map(|i| (i, 4)).or_else(|| find(raw, b"\n\n").map(|i| (i, 2)))?;
        let head = std::str::from_utf8(&raw[..split.0]).ok()?;
        let body = bytes::Bytes::copy_from_slice(&raw[split.0 + split.1..]);
        let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
        let mut first = lines.next()?.split(' ');
        let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
        let headers =
            lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.to_string(), v.trim().to_string())).collect();
        Some(HttpRequest { method, target, headers, body })
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An HTTP response from an adapter. The body is shared bytes, so a registry serves a blob
/// from its content store without copying it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
}

impl HttpResponse {
    /// A JSON response with exactly this `Content-Type` (Tencent's SDK needs it without charset).
    pub fn json(status: u16, content_type: &str, body: &serde_json::Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: serde_json::to_vec(body).unwrap_or_default().into(),
        }
    }

    pub fn empty(status: u16) -> HttpResponse {
        HttpResponse { status, headers: vec![], body: bytes::Bytes::new() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> HttpResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON, for tests and clients.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_capture() {
        let raw = b"POST /?A=1&B=2 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-Two: a\r\nx-two: b\r\n\r\n{\"k\":1}";
        let r = HttpRequest::parse_raw(raw).unwrap();
        assert_eq!((r.method.as_str(), r.path(), r.query()), ("POST", "/", "A=1&B=2"));
        assert_eq!(r.get("x-TWO").as_deref(), Some("a,b"));
        assert_eq!(&r.body[..], b"{\"k\":1}");
        assert!(HttpRequest::parse_raw(b"garbage").is_none());
    }
}
