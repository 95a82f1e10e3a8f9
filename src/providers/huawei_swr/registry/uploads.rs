//! Blob uploads in progress (the distribution spec's upload sessions): which repository and
//! account each belongs to and the bytes received so far. Bounded in number and in bytes, so
//! abandoned uploads cannot fill the server; the oldest gives way to a new one.

use std::collections::{HashMap, VecDeque};

/// Uploads open at once; a new one past this drops the oldest.
const MAX_SESSIONS: usize = 64;
/// Bytes held by all open uploads together.
const MAX_PENDING_BYTES: usize = 2 * super::MAX_BODY_BYTES;

#[derive(Debug, Default)]
pub struct Uploads {
    sessions: HashMap<String, Session>,
    order: VecDeque<String>,
    next: u64,
    pending: usize,
}

#[derive(Debug)]
struct Session {
    repository: String,
    account: String,
    data: Vec<u8>,
}

impl Uploads {
    /// Opens an upload of `repository` for `account` with its first bytes; returns its ID.
    pub fn start(&mut self, repository: &str, account: &str, first: &[u8]) -> Result<String, String> {
        while self.order.len() >= MAX_SESSIONS {
            if let Some(old) = self.order.pop_front() {
                self.take(&old);
            }
        }
        self.room(first.len())?;
        self.next += 1;
        let id = crate::ids::uuid(crate::ids::stable_hash(&["huawei-swr", "upload", &self.next.to_string()]));
        self.pending += first.len();
        let session =
            Session { repository: repository.to_string(), account: account.to_string(), data: first.to_vec() };
        self.sessions.insert(id.clone(), session);
        self.order.push_back(id.clone());
        Ok(id)
    }

    fn room(&self, more: usize) -> Result<(), String> {
        if self.pending.saturating_add(more) > MAX_PENDING_BYTES {
            return Err(format!("uploads in progress hold {} bytes; at most {MAX_PENDING_BYTES}", self.pending));
        }
        Ok(())
    }

    /// Bytes received by the upload `id`, if it is `account`'s upload of `repository`.
    pub fn len_of(&self, id: &str, repository: &str, account: &str) -> Option<usize> {
        self.sessions.get(id).filter(|s| s.repository == repository && s.account == account).map(|s| s.data.len())
    }

    pub fn append(&mut self, id: &str, bytes: &[u8]) -> Result<(), String> {
        self.room(bytes.len())?;
        let session = self.sessions.get_mut(id).ok_or("the upload is gone")?;
        session.data.extend_from_slice(bytes);
        self.pending += bytes.len();
        Ok(())
    }

    /// Closes the upload `id` and hands over its bytes.
    pub fn take(&mut self, id: &str) -> Option<Vec<u8>> {
        let session = self.sessions.remove(id)?;
        self.order.retain(|o| o != id);
        self.pending -= session.data.len();
        Some(session.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_is_its_owners_and_old_ones_give_way() {
        let mut u = Uploads::default();
        let id = u.start("ns-a/x", "a", b"ab").unwrap();
        u.append(&id, b"cd").unwrap();
        assert_eq!(u.len_of(&id, "ns-a/x", "a"), Some(4));
        assert_eq!(u.len_of(&id, "ns-a/x", "b"), None, "another account's upload is unknown to it");
        assert_eq!(u.len_of(&id, "ns-a/y", "a"), None, "and so is it under another repository");
        for _ in 0..MAX_SESSIONS {
            u.start("ns-a/x", "a", b"").unwrap();
        }
        assert_eq!(u.len_of(&id, "ns-a/x", "a"), None, "the oldest gave way");
        assert_eq!(u.pending, 0);
    }
}
