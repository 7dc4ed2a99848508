//! The protocol's values in JSON (docs/protocol.md, "Values"), and reading the fields of a
//! call with an error that names what is missing.

use base64::Engine;
use bgsim_simulator::app::{
    AuthChallenge, HttpResponse, Queue, TaskInfo, TaskKey, TaskKind, TaskState, UrlError,
};
use bgsim_simulator::sandbox::FsError;
use serde_json::{json, Map, Value};

/// Bytes as base64 (RFC 4648, padded).
pub(crate) fn bytes(data: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(data))
}

pub(crate) fn task_key(key: &TaskKey) -> Value {
    json!({"session": key.session, "taskId": key.task_id})
}

fn response(r: &HttpResponse) -> Value {
    json!({
        "statusCode": r.status,
        "expectedContentLength": r.expected_content_length,
        "etag": r.etag,
        "lastModified": r.last_modified,
        "retryAfter": r.retry_after,
        "date": r.date,
        "contentEncoding": r.content_encoding,
    })
}

pub(crate) fn task(t: &TaskInfo) -> Value {
    let state = match t.state {
        TaskState::Suspended => "suspended",
        TaskState::Running => "running",
        TaskState::Canceling => "canceling",
        TaskState::Completed => "completed",
    };
    let kind = match t.kind {
        TaskKind::Download => "download",
        TaskKind::Upload { .. } => "upload",
        TaskKind::StreamedUpload { .. } => "streamedUpload",
        TaskKind::Data => "data",
    };
    json!({
        "key": task_key(&t.key),
        "originalURL": t.original_url,
        "currentURL": t.current_url,
        "taskDescription": t.task_description,
        "state": state,
        "response": t.response.as_ref().map(response),
        "countOfBytesReceived": t.bytes_received,
        "countOfBytesExpectedToReceive": t.bytes_expected,
        "kind": kind,
        "countOfBytesSent": t.bytes_sent,
        "countOfBytesExpectedToSend": t.bytes_expected_to_send,
    })
}

pub(crate) fn error(e: Option<&UrlError>) -> Value {
    match e {
        None => Value::Null,
        Some(e) => json!({
            "code": e.code,
            "cancelReason": e.cancel_reason.map(|r| r as i32),
            "resumeData": e.resume_data.as_ref().map(|d| bytes(d.as_bytes())),
        }),
    }
}

pub(crate) fn challenge(c: &AuthChallenge) -> Value {
    json!({
        "scheme": c.scheme,
        "realm": c.realm,
        "host": c.host,
        "previousFailureCount": c.previous_failure_count,
    })
}

pub(crate) fn queue(q: &Queue) -> String {
    match q {
        Queue::Main => "main".into(),
        Queue::Background => "background".into(),
        Queue::Delegate(id) => format!("delegate:{id}"),
    }
}

/// The error answer to a FileManager call.
pub(crate) fn fs_error(e: &FsError) -> Value {
    let kind = match e {
        FsError::NotFound => "not-found",
        FsError::AlreadyExists => "exists",
        FsError::PermissionDenied => "permission-denied",
        FsError::NoSpace => "no-space",
        FsError::OutsideContainer => "invalid-path",
        FsError::Other(_) => "io",
    };
    json!({"type": "error", "error": kind, "message": e.to_string()})
}

/// `text`, cut to a readable length for a message.
pub(crate) fn clip(text: &str) -> String {
    const SHOWN: usize = 200;
    match text.char_indices().nth(SHOWN) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// The fields of one call, read with errors that name the call and the field.
pub(crate) struct Fields<'a> {
    pub ty: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub fn of(message: &'a Value) -> Result<Fields<'a>, String> {
        let map = message.as_object().ok_or("a message is not a JSON object")?;
        let ty = (map.get("type").and_then(Value::as_str))
            .ok_or_else(|| format!("a message has no `type`: {}", clip(&message.to_string())))?;
        Ok(Fields { ty, map })
    }

    fn wrong(&self, name: &str, expected: &str) -> String {
        match self.map.get(name) {
            None => format!("`{}` lacks the field `{name}` ({expected})", self.ty),
            Some(v) => format!(
                "`{}` has `{name}` = {}; expected {expected}",
                self.ty,
                clip(&v.to_string())
            ),
        }
    }

    pub fn str(&self, name: &str) -> Result<&'a str, String> {
        (self.map.get(name).and_then(Value::as_str)).ok_or_else(|| self.wrong(name, "a string"))
    }

    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, String> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong(name, "a string")),
        }
    }

    pub fn u64(&self, name: &str) -> Result<u64, String> {
        (self.map.get(name).and_then(Value::as_u64))
            .ok_or_else(|| self.wrong(name, "a whole number, 0 or more"))
    }

    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>, String> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.u64(name).map(Some),
        }
    }

    pub fn i64(&self, name: &str) -> Result<i64, String> {
        (self.map.get(name).and_then(Value::as_i64)).ok_or_else(|| self.wrong(name, "a whole number"))
    }

    pub fn f64(&self, name: &str) -> Result<f64, String> {
        (self.map.get(name).and_then(Value::as_f64)).ok_or_else(|| self.wrong(name, "a number"))
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        (self.map.get(name).and_then(Value::as_bool)).ok_or_else(|| self.wrong(name, "true or false"))
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, String> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.bool(name).map(Some),
        }
    }

    pub fn bytes(&self, name: &str) -> Result<Vec<u8>, String> {
        let text = self.str(name)?;
        (base64::engine::general_purpose::STANDARD.decode(text))
            .map_err(|_| self.wrong(name, "base64 bytes"))
    }

    pub fn object(&self, name: &str) -> Result<Fields<'a>, String> {
        let map = (self.map.get(name).and_then(Value::as_object))
            .ok_or_else(|| self.wrong(name, "an object"))?;
        Ok(Fields { ty: self.ty, map })
    }

    pub fn task(&self, name: &str) -> Result<TaskKey, String> {
        let key = self.object(name)?;
        Ok(TaskKey {
            session: key.str("session")?.to_string(),
            task_id: key.u64("taskId")?,
        })
    }

    pub fn queue(&self, name: &str) -> Result<Queue, String> {
        match self.str(name)? {
            "main" => Ok(Queue::Main),
            "background" => Ok(Queue::Background),
            q => match q.strip_prefix("delegate:") {
                Some(id) if !id.is_empty() => Ok(Queue::Delegate(id.to_string())),
                _ => Err(self.wrong(name, "`main`, `background` or `delegate:<session id>`")),
            },
        }
    }
}
