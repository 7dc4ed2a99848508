//! A small upload app for the upload checks, with one deliberate flaw at a time.

use bgsim_simulator::app::{
    AppContext, CompletionHandler, LaunchOptions, Queue, SessionConfig, SessionHandle, TaskInfo,
    UploadMethod, UrlError,
};
use bgsim_simulator::{App, AppFactory, DownloadDelegate};
use std::cell::RefCell;
use std::rc::Rc;

/// The flaw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadFlaw {
    /// Trusts the nil error: reports an upload done whatever the status (HTTP-1).
    DoneWhateverTheStatus,
    /// Overwrites the file after creating the task, before resuming it: the daemon copies
    /// the file at resume, so it uploads the new bytes.
    ModifiesTheFileBeforeResume,
    /// Reports nothing, and uploads a file of its own rather than the user's bytes.
    UploadsAnotherFileSilently,
}

#[derive(Default)]
struct State {
    session: Option<SessionHandle>,
    handler: Option<CompletionHandler>,
    uploads: u32,
}

pub struct BrokenUploader {
    flaw: UploadFlaw,
    state: Rc<RefCell<State>>,
}

struct Delegate {
    flaw: UploadFlaw,
    state: Rc<RefCell<State>>,
}

pub fn factory(flaw: UploadFlaw) -> AppFactory {
    Box::new(move || {
        Box::new(BrokenUploader {
            flaw,
            state: Rc::default(),
        }) as Box<dyn App>
    })
}

impl App for BrokenUploader {
    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, _: &LaunchOptions) {
        let delegate = Rc::new(RefCell::new(Delegate {
            flaw: self.flaw,
            state: Rc::clone(&self.state),
        }));
        let s = ctx.create_background_session(SessionConfig::background("uploads"), delegate);
        self.state.borrow_mut().session = Some(s);
    }

    fn handle_events_for_background_session(
        &mut self,
        _: &mut AppContext<'_>,
        _: &str,
        handler: CompletionHandler,
    ) {
        self.state.borrow_mut().handler = Some(handler);
    }

    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, _: &str, _: &str) {
        ctx.log("no downloads here");
    }

    fn user_tapped_upload(&mut self, ctx: &mut AppContext<'_>, url: &str, content: &[u8]) {
        let mut st = self.state.borrow_mut();
        st.uploads += 1;
        let key = format!("u{}", st.uploads);
        let file = format!("Documents/{key}.bin");
        let session = st.session.expect("created at launch");
        let bytes: Vec<u8> = match self.flaw {
            UploadFlaw::UploadsAnotherFileSilently => b"a thumbnail".to_vec(),
            _ => content.to_vec(),
        };
        let _ = ctx.write_file(&file, &bytes);
        let Ok(task) = ctx.upload_task_from_file(session, url, UploadMethod::Post, &file) else {
            return;
        };
        ctx.set_task_description(&task, &key);
        if self.flaw == UploadFlaw::ModifiesTheFileBeforeResume {
            let _ = ctx.write_file(&file, b"edited");
        }
        ctx.resume(&task);
        if self.flaw != UploadFlaw::UploadsAnotherFileSilently {
            ctx.report_download_state(&key, "running");
        }
    }
}

impl DownloadDelegate for Delegate {
    fn did_finish_downloading_to(&mut self, _: &mut AppContext<'_>, _: &TaskInfo, _: &str) {}

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        if self.flaw == UploadFlaw::UploadsAnotherFileSilently {
            return;
        }
        let key = task.task_description.clone().unwrap_or_default();
        let state = if error.is_none() { "done" } else { "failed" };
        ctx.report_download_state(&key, state);
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, _: &str) {
        let state = Rc::clone(&self.state);
        ctx.dispatch(Queue::Main, "call the handler", move |ctx| {
            if let Some(h) = state.borrow_mut().handler.take() {
                h.call(ctx);
            }
        });
    }
}
