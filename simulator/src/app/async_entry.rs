//! OS-6: the async form of `handleEvents` (Swift concurrency). It has no completion
//! handler: the wake's work is over when the async function returns. The model keeps the
//! handler as the function's stand-in, so the same checks judge both forms: returning
//! before did-finish-events is calling the handler too soon (CH-3), never returning is
//! never calling it, and a continuation resumed twice is a handler called twice.

use super::context::{AppContext, CompletionHandler, HandlerRecord};

impl CompletionHandler {
    /// OS-6, for an app whose [`super::App::handles_events_async`] is true: the async
    /// `handleEvents` awaits (`withCheckedContinuation`) instead of returning when the
    /// callback returns; [`CompletionHandler::call`] then resumes it, from any queue, and
    /// it returns on the main actor. For a completion-handler app it does nothing.
    pub fn await_resume(&self, ctx: &mut AppContext<'_>) {
        if let Some(h) = ctx.handler_record(self) {
            h.awaited = h.asynchronous;
        }
    }
}

impl AppContext<'_> {
    /// The record of `handler` in this process, if it was handed to this process.
    pub(crate) fn handler_record(
        &mut self,
        handler: &CompletionHandler,
    ) -> Option<&mut HandlerRecord> {
        self.rt.handlers.iter_mut().find(|h| h.id == handler.id)
    }

    /// OS-6: the app's `handleEvents` callback has returned. For the async form that did
    /// not await and has not returned already, that is the async function returning.
    pub(crate) fn handle_events_callback_returned(&mut self, handler: &CompletionHandler) {
        let returns = (self.handler_record(handler))
            .is_some_and(|h| h.asynchronous && !h.awaited && h.calls == 0);
        if returns {
            self.call_handler(handler);
        }
    }
}
