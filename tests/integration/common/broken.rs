//! A small download app for the check tests, with one deliberate flaw switched on at a time,
//! for the checks the article's code does not already break.

use bgsim_simulator::app::{
    AppContext, CompletionHandler, LaunchOptions, Queue, SessionConfig, SessionHandle, TaskInfo,
    UrlError,
};
use bgsim_simulator::{App, AppFactory, DownloadDelegate};
use std::cell::RefCell;
use std::rc::Rc;

/// The flaw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// Calls the completion handler as soon as handle-events arrives.
    HandlerBeforeEvents,
    /// Moves the file from a block dispatched after the callback returned.
    MovesLater,
    /// Reports a download done without putting the file in place.
    DoneWithoutFile,
    /// Replaces the destination by deleting it, then copying from a wrong path.
    DeletesThenCopyFails,
    /// Starts two tasks for one download.
    TwoTasks,
    /// Reports a download running without ever creating its task.
    RunningWithoutTask,
    /// Leaves a partial file behind.
    LeavesPartial,
    /// Creates a task on a session it has just invalidated.
    TaskOnInvalidatedSession,
}

#[derive(Default)]
struct State {
    session: Option<SessionHandle>,
    handler: Option<CompletionHandler>,
    destinations: Vec<(String, String)>,
}

pub struct BrokenApp {
    flaw: Flaw,
    state: Rc<RefCell<State>>,
}

struct Delegate {
    flaw: Flaw,
    state: Rc<RefCell<State>>,
}

pub fn factory(flaw: Flaw) -> AppFactory {
    Box::new(move || {
        Box::new(BrokenApp {
            flaw,
            state: Rc::default(),
        }) as Box<dyn App>
    })
}

fn key_of(task: &TaskInfo) -> String {
    task.task_description.clone().unwrap_or_default()
}

impl App for BrokenApp {
    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, _: &LaunchOptions) {
        let delegate = Rc::new(RefCell::new(Delegate {
            flaw: self.flaw,
            state: Rc::clone(&self.state),
        }));
        let s = ctx.create_background_session(SessionConfig::background("broken"), delegate);
        self.state.borrow_mut().session = Some(s);
    }

    fn handle_events_for_background_session(
        &mut self,
        ctx: &mut AppContext<'_>,
        _: &str,
        handler: CompletionHandler,
    ) {
        if self.flaw == Flaw::HandlerBeforeEvents {
            handler.call(ctx);
        } else {
            self.state.borrow_mut().handler = Some(handler);
        }
    }

    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        let mut st = self.state.borrow_mut();
        let key = format!("k{}", st.destinations.len() + 1);
        st.destinations.push((key.clone(), destination.to_string()));
        let session = st.session.expect("created at launch");
        if self.flaw == Flaw::RunningWithoutTask {
            ctx.report_download_state(&key, "running");
            return;
        }
        if self.flaw == Flaw::TaskOnInvalidatedSession {
            ctx.invalidate(session, false);
        }
        let copies = if self.flaw == Flaw::TwoTasks { 2 } else { 1 };
        for _ in 0..copies {
            if let Ok(task) = ctx.download_task(session, url) {
                ctx.set_task_description(&task, &key);
                ctx.resume(&task);
            }
        }
        ctx.report_download_state(&key, "running");
        if self.flaw == Flaw::LeavesPartial {
            let _ = ctx.write_file(&format!("{destination}.partial"), b"half");
        }
    }
}

impl DownloadDelegate for Delegate {
    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        let key = key_of(task);
        let Some(dest) = self
            .state
            .borrow()
            .destinations
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, d)| d.clone())
        else {
            return;
        };
        match self.flaw {
            Flaw::MovesLater => {
                let location = location.to_string();
                ctx.dispatch(Queue::Main, "move later", move |ctx| {
                    let _ = ctx.move_item(&location, &dest);
                });
            }
            Flaw::DoneWithoutFile => {}
            Flaw::DeletesThenCopyFails if ctx.file_exists(&dest) => {
                let _ = ctx.remove_item(&dest);
                let _ = ctx.copy_item(&format!("{location}.wrong"), &dest);
            }
            _ => {
                if ctx.file_exists(&dest) {
                    let _ = ctx.remove_item(&dest);
                }
                let _ = ctx.move_item(location, &dest);
            }
        }
    }

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        let state = if error.is_none() { "done" } else { "failed" };
        ctx.report_download_state(&key_of(task), state);
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
