//! A small HTTP/1.1 client for loopback use: the load test, the serve benchmark and scenario
//! runs over HTTP send provider requests through it, keeping connections alive.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::{HttpRequest, HttpResponse};

/// How large a response head the client reads.
const MAX_HEAD_BYTES: usize = 16 * 1024 * 1024;

#[derive(Clone)]
pub struct HttpClient {
    inner: Client<HttpConnector, Full<Bytes>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient::new()
    }
}

impl HttpClient {
    pub fn new() -> HttpClient {
        // A traced answer can carry a large head (`wire::trace`: a listing of 500 members with
        // long descriptions is over 500 KB), more than hyper reads by default (~400 KB).
        let inner = Client::builder(TokioExecutor::new()).http1_max_buf_size(MAX_HEAD_BYTES).build_http();
        HttpClient { inner }
    }

    /// Sends `req` to `base` (`http://127.0.0.1:PORT`), with its headers exactly as given.
    pub async fn send(&self, base: &str, req: &HttpRequest) -> Result<HttpResponse, String> {
        let uri = format!("{base}{}", req.target);
        let mut builder = hyper::Request::builder().method(req.method.as_str()).uri(&uri);
        for (n, v) in &req.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let request = builder.body(Full::new(req.body.clone())).map_err(|e| format!("{uri}: {e}"))?;
        let resp = self.inner.request(request).await.map_err(|e| format!("{uri}: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = resp.into_body().collect().await.map_err(|e| format!("{uri}: {e}"))?.to_bytes();
        Ok(HttpResponse { status, headers, body })
    }
}
