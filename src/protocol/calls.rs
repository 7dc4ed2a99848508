//! Each call of the protocol (docs/protocol.md, "Calls"), carried out on the app's context
//! exactly as a Rust app's call would be: the history cannot tell the two apart.

use super::app::{exchange, Link, Peer, ProcessDelegate};
use super::json::{self, Fields};
use bgsim_simulator::app::{
    AuthDisposition, Exception, ResumeData, SessionConfig, SessionHandle, TaskKey, UploadMethod,
};
use bgsim_simulator::sandbox::FsError;
use bgsim_simulator::{AppContext, SimTime};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// The answer to a call that returns a value.
fn result(value: Value) -> Option<Value> {
    Some(json!({"type": "result", "value": value}))
}

fn exception(e: &Exception) -> Option<Value> {
    Some(json!({"type": "exception", "name": e.name, "reason": e.reason}))
}

fn task_result(r: Result<TaskKey, Exception>) -> Option<Value> {
    match r {
        Ok(key) => result(json::task_key(&key)),
        Err(e) => exception(&e),
    }
}

fn fs_result<T>(r: Result<T, FsError>, value: impl FnOnce(T) -> Value) -> Option<Value> {
    match r {
        Ok(v) => result(value(v)),
        Err(e) => Some(json::fs_error(&e)),
    }
}

fn session(peer: &Peer, f: &Fields<'_>) -> Result<SessionHandle, String> {
    let n = f.u64("session")?;
    (usize::try_from(n).ok().and_then(|i| peer.sessions.get(i)))
        .copied()
        .ok_or_else(|| format!("`{}` names session {n}, which it was never given", f.ty))
}

fn method(f: &Fields<'_>) -> Result<UploadMethod, String> {
    match f.str("method")? {
        "PUT" => Ok(UploadMethod::Put),
        "POST" => Ok(UploadMethod::Post),
        other => Err(format!("`{}` has method `{other}`; expected PUT or POST", f.ty)),
    }
}

fn configuration(f: &Fields<'_>) -> Result<SessionConfig, String> {
    let c = f.object("configuration")?;
    let mut config = SessionConfig::background(c.str("identifier")?);
    let set = |field: &mut bool, name: &str| -> Result<(), String> {
        if let Some(v) = c.opt_bool(name)? {
            *field = v;
        }
        Ok(())
    };
    set(&mut config.sends_launch_events, "sessionSendsLaunchEvents")?;
    set(&mut config.discretionary, "isDiscretionary")?;
    set(&mut config.allows_cellular_access, "allowsCellularAccess")?;
    set(
        &mut config.allows_expensive_network_access,
        "allowsExpensiveNetworkAccess",
    )?;
    set(
        &mut config.allows_constrained_network_access,
        "allowsConstrainedNetworkAccess",
    )?;
    let micros = |name: &str| c.opt_u64(name).map(|v| v.map(Duration::from_micros));
    if let Some(d) = micros("timeoutIntervalForRequest_us")? {
        config.request_timeout = Some(d);
    }
    if let Some(d) = micros("timeoutIntervalForResource_us")? {
        config.resource_timeout = Some(d);
    }
    Ok(config)
}

fn disposition(f: &Fields<'_>) -> Result<AuthDisposition, String> {
    match f.str("disposition")? {
        "useCredential" => Ok(AuthDisposition::UseCredential {
            user: f.str("user")?.to_string(),
            password: f.str("password")?.to_string(),
        }),
        "performDefaultHandling" => Ok(AuthDisposition::PerformDefaultHandling),
        "cancelAuthenticationChallenge" => Ok(AuthDisposition::CancelAuthenticationChallenge),
        "rejectProtectionSpace" => Ok(AuthDisposition::RejectProtectionSpace),
        other => Err(format!("`answerChallenge` has disposition `{other}`")),
    }
}

/// Carries out one call; returns the answer to send, if the call has one. An error is a
/// breach of the protocol.
pub(crate) fn execute(
    peer: &mut Peer,
    link: &Link,
    ctx: &mut AppContext<'_>,
    f: &Fields<'_>,
) -> Result<Option<Value>, String> {
    Ok(match f.ty {
        // ---- URLSession ----
        "createBackgroundSession" => {
            let config = configuration(f)?;
            let delegate = Rc::new(RefCell::new(ProcessDelegate {
                link: Rc::clone(link),
            }));
            let handle = ctx.create_background_session(config, delegate);
            let number = match peer.sessions.iter().position(|h| *h == handle) {
                Some(n) => n,
                None => {
                    peer.sessions.push(handle);
                    peer.sessions.len() - 1
                }
            };
            result(number.into())
        }
        "downloadTask" => {
            let s = session(peer, f)?;
            task_result(ctx.download_task(s, f.str("url")?))
        }
        "downloadTaskWithResumeData" => {
            let s = session(peer, f)?;
            let data = ResumeData::from_bytes(f.bytes("resumeData")?);
            task_result(ctx.download_task_with_resume_data(s, &data))
        }
        "downloadTaskWithCompletionHandler" => {
            let s = session(peer, f)?;
            task_result(ctx.download_task_with_completion_handler(s, f.str("url")?))
        }
        "uploadTaskFromData" => {
            let s = session(peer, f)?;
            let body = f.bytes("body")?;
            task_result(ctx.upload_task_from_data(s, f.str("url")?, &body))
        }
        "uploadTaskFromFile" => {
            let s = session(peer, f)?;
            let (url, file) = (f.str("url")?, f.str("file")?);
            task_result(ctx.upload_task_from_file(s, url, method(f)?, file))
        }
        "uploadTaskWithStreamedRequest" => {
            let s = session(peer, f)?;
            let body = f.bytes("body")?;
            task_result(ctx.upload_task_with_streamed_request(s, f.str("url")?, method(f)?, &body))
        }
        "dataTask" => {
            let s = session(peer, f)?;
            task_result(ctx.data_task(s, f.str("url")?))
        }
        "setTaskDelegate" => match ctx.set_task_delegate(&f.task("task")?) {
            Ok(()) => result(Value::Null),
            Err(e) => exception(&e),
        },
        "resume" => {
            ctx.resume(&f.task("task")?);
            None
        }
        "suspend" => {
            ctx.suspend(&f.task("task")?);
            None
        }
        "cancel" => {
            ctx.cancel(&f.task("task")?);
            None
        }
        "cancelByProducingResumeData" => {
            let (task, block) = (f.task("task")?, f.u64("block")?);
            let link = Rc::clone(link);
            ctx.cancel_producing_resume_data(&task, move |ctx, data| {
                let data = data.map(|d| json::bytes(d.as_bytes()));
                exchange(&link, ctx, "runBlock", json!({"block": block, "resumeData": data}));
            });
            None
        }
        "setTaskDescription" => {
            ctx.set_task_description(&f.task("task")?, f.str("description")?);
            None
        }
        "setEarliestBeginDate" => {
            ctx.set_earliest_begin_date(&f.task("task")?, SimTime::from_us(f.u64("at_us")?));
            None
        }
        "setCountOfBytesClientExpectsToReceive" => {
            ctx.set_count_of_bytes_client_expects_to_receive(&f.task("task")?, f.i64("bytes")?);
            None
        }
        "setCountOfBytesClientExpectsToSend" => {
            ctx.set_count_of_bytes_client_expects_to_send(&f.task("task")?, f.i64("bytes")?);
            None
        }
        "taskInfo" => {
            let info = ctx.task_info(&f.task("task")?);
            result(info.as_ref().map_or(Value::Null, json::task))
        }
        "getAllTasks" => {
            let (s, block) = (session(peer, f)?, f.u64("block")?);
            let link = Rc::clone(link);
            ctx.get_all_tasks(s, move |ctx, tasks| {
                let tasks: Vec<Value> = tasks.iter().map(json::task).collect();
                exchange(&link, ctx, "runBlock", json!({"block": block, "tasks": tasks}));
            });
            None
        }
        "invalidate" => {
            let s = session(peer, f)?;
            ctx.invalidate(s, f.bool("cancel")?);
            None
        }
        "callCompletionHandler" => {
            let n = f.u64("handler")?;
            let handler = usize::try_from(n).ok().and_then(|i| peer.handlers.get(i));
            let handler = handler
                .cloned()
                .ok_or_else(|| format!("`callCompletionHandler` names handler {n}, which it was never given"))?;
            handler.call(ctx);
            None
        }
        "answerChallenge" => {
            let n = f.u64("handler")?;
            let handler = usize::try_from(n).ok().and_then(|i| peer.challenges.get(i));
            let handler = handler
                .cloned()
                .ok_or_else(|| format!("`answerChallenge` names handler {n}, which it was never given"))?;
            handler.call(ctx, disposition(f)?);
            None
        }
        // ---- GCD ----
        "dispatch" => {
            let queue = f.queue("queue")?;
            let block = f.u64("block")?;
            let delay = Duration::from_micros(f.opt_u64("delay_us")?.unwrap_or(0));
            let label = f.opt_str("label")?.unwrap_or("");
            let link = Rc::clone(link);
            ctx.dispatch_after(queue, delay, label, move |ctx| {
                exchange(&link, ctx, "runBlock", json!({"block": block}));
            });
            None
        }
        "busy" => {
            ctx.busy_for(Duration::from_micros(f.u64("duration_us")?));
            None
        }
        // ---- FileManager ----
        "readFile" => fs_result(ctx.read_file(f.str("path")?), |b| json::bytes(&b)),
        "writeFile" => {
            let data = f.bytes("data")?;
            fs_result(ctx.write_file(f.str("path")?, &data), |()| Value::Null)
        }
        "moveItem" => fs_result(ctx.move_item(f.str("from")?, f.str("to")?), |()| Value::Null),
        "copyItem" => fs_result(ctx.copy_item(f.str("from")?, f.str("to")?), |()| Value::Null),
        "replaceItem" => {
            let r = ctx.replace_item(f.str("destination")?, f.str("with")?);
            fs_result(r, |()| Value::Null)
        }
        "removeItem" => fs_result(ctx.remove_item(f.str("path")?), |()| Value::Null),
        "createDirectory" => fs_result(ctx.create_dir_all(f.str("path")?), |()| Value::Null),
        "fileExists" => result(ctx.file_exists(f.str("path")?).into()),
        "fileSize" => fs_result(ctx.file_size(f.str("path")?), Value::from),
        "listDirectory" => fs_result(ctx.list_dir(f.str("path")?), Value::from),
        "containerRoot" => result(ctx.container_root().into()),
        // ---- Observability ----
        "log" => {
            ctx.log(f.str("message")?);
            None
        }
        "reportProgress" => {
            ctx.report_progress(f.str("key")?, f.f64("fraction")?);
            None
        }
        "reportDownloadState" => {
            ctx.report_download_state(f.str("key")?, f.str("state")?);
            None
        }
        other => return Err(format!("it called `{other}`, which the protocol does not have")),
    })
}
