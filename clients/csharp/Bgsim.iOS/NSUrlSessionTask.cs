// NSUrlSessionTask.cs: the task classes (NSUrlSessionTask, ...DownloadTask, ...DataTask,
// ...UploadTask) and NSUrlSessionTaskState. A task is named by its task key
// {session, taskId}; one C# object per key, whose properties are the last task object bgsim
// sent (an event, getAllTasks, Refresh) plus what this process set since. The calls:
// resume, suspend, cancel, cancelByProducingResumeData, setTaskDescription,
// setEarliestBeginDate, setCountOfBytesClientExpectsTo..., taskInfo.

using System;
using Bgsim;
using Bgsim.Protocol;

namespace Foundation
{
    public enum NSUrlSessionTaskState : long { Running = 0, Suspended = 1, Canceling = 2, Completed = 3 }

    /// <summary>A task of a background session.</summary>
    public class NSUrlSessionTask : NSObject
    {
        internal string SessionId;
        internal long Id;
        string description;
        NSUrlSessionTaskState state = NSUrlSessionTaskState.Suspended;
        long received, expectedToReceive = -1, sent, expectedToSend;

        internal NSUrlSessionTask() { }

        /// <summary>The task's number in its session (Xamarin's is an nuint).</summary>
        public ulong TaskIdentifier { get { return (ulong)Id; } }
        public NSUrlRequest OriginalRequest { get; private set; }
        public NSUrlRequest CurrentRequest { get; private set; }
        /// <summary>The response once headers arrived: an NSHttpUrlResponse.</summary>
        public NSUrlResponse Response { get; private set; }
        public NSUrlSessionTaskState State { get { return state; } }
        public long BytesReceived { get { return received; } }
        public long BytesExpectedToReceive { get { return expectedToReceive; } }
        public long BytesSent { get { return sent; } }
        public long BytesExpectedToSend { get { return expectedToSend; } }

        /// <summary>The app's own note on the task, kept by the daemon across launches (the
        /// place for the app's key of the download: TID-3).</summary>
        public string TaskDescription
        {
            get { return description; }
            set
            {
                Runtime.Send(Runtime.Msg("setTaskDescription").With("task", Key).With("description", value ?? ""));
                description = value;
            }
        }

        NSDate earliestBeginDate;
        /// <summary>The task starts no sooner than this (virtual time; SCHED-3).</summary>
        public NSDate EarliestBeginDate
        {
            get { return earliestBeginDate; }
            set
            {
                Runtime.Send(Runtime.Msg("setEarliestBeginDate").With("task", Key).With("at_us", value.Us));
                earliestBeginDate = value;
            }
        }

        long clientExpectsToReceive = -1, clientExpectsToSend = -1;
        public long CountOfBytesClientExpectsToReceive
        {
            get { return clientExpectsToReceive; }
            set { Runtime.Send(Runtime.Msg("setCountOfBytesClientExpectsToReceive").With("task", Key).With("bytes", value)); clientExpectsToReceive = value; }
        }
        public long CountOfBytesClientExpectsToSend
        {
            get { return clientExpectsToSend; }
            set { Runtime.Send(Runtime.Msg("setCountOfBytesClientExpectsToSend").With("task", Key).With("bytes", value)); clientExpectsToSend = value; }
        }

        public void Resume()
        {
            Runtime.Send(Runtime.Msg("resume").With("task", Key));
            if (state == NSUrlSessionTaskState.Suspended) state = NSUrlSessionTaskState.Running;
        }

        public void Suspend()
        {
            Runtime.Send(Runtime.Msg("suspend").With("task", Key));
            if (state == NSUrlSessionTaskState.Running) state = NSUrlSessionTaskState.Suspended;
        }

        public void Cancel()
        {
            Runtime.Send(Runtime.Msg("cancel").With("task", Key));
            if (state != NSUrlSessionTaskState.Completed) state = NSUrlSessionTaskState.Canceling;
        }

        /// <summary>Updates the properties from the daemon (<c>taskInfo</c>); false when the
        /// daemon no longer knows the task.</summary>
        public bool Refresh()
        {
            var t = Runtime.Call(Runtime.Msg("taskInfo").With("task", Key)) as JsonObject;
            if (t != null) Update(t);
            return t != null;
        }

        internal JsonObject Key { get { return new JsonObject().With("session", SessionId).With("taskId", Id); } }

        internal void Update(JsonObject t)
        {
            var original = t.OptStr("originalURL");
            if (original != null) OriginalRequest = new NSUrlRequest(NSUrl.FromString(original));
            var current = t.OptStr("currentURL");
            if (current != null) CurrentRequest = new NSUrlRequest(NSUrl.FromString(current));
            description = t.OptStr("taskDescription");
            switch (t.OptStr("state"))
            {
                case "running": state = NSUrlSessionTaskState.Running; break;
                case "suspended": state = NSUrlSessionTaskState.Suspended; break;
                case "canceling": state = NSUrlSessionTaskState.Canceling; break;
                case "completed": state = NSUrlSessionTaskState.Completed; break;
            }
            var r = t.OptObj("response");
            Response = r == null ? null : ResponseOf(r, CurrentRequest != null ? CurrentRequest.Url : null);
            received = t.OptLong("countOfBytesReceived") ?? received;
            expectedToReceive = t.OptLong("countOfBytesExpectedToReceive") ?? expectedToReceive;
            sent = t.OptLong("countOfBytesSent") ?? sent;
            expectedToSend = t.OptLong("countOfBytesExpectedToSend") ?? expectedToSend;
        }

        static NSHttpUrlResponse ResponseOf(JsonObject r, NSUrl url)
        {
            var headers = new NSDictionary();
            foreach (var h in new[] { "etag:ETag", "lastModified:Last-Modified", "retryAfter:Retry-After", "date:Date", "contentEncoding:Content-Encoding" })
            {
                var parts = h.Split(':');
                var v = r[parts[0]];
                if (v != null) headers.Set(parts[1], new NSString(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)));
            }
            return new NSHttpUrlResponse
            {
                Url = url,
                StatusCode = r.Long("statusCode"),
                ExpectedContentLength = r.OptLong("expectedContentLength") ?? -1,
                AllHeaderFields = headers,
            };
        }

        /// <summary>The one object for the task a task object names, updated from it.</summary>
        internal static NSUrlSessionTask FromJson(JsonObject t)
        {
            var key = t.Obj("key");
            var task = For(key.Str("session"), key.Long("taskId"), t.OptStr("kind") ?? "download");
            task.Update(t);
            return task;
        }

        /// <summary>The one object for a task key (new tasks: <paramref name="kind"/> decides the class).</summary>
        internal static NSUrlSessionTask For(string session, long id, string kind)
        {
            var k = Runtime.TaskKey(session, id);
            NSUrlSessionTask task;
            if (Runtime.Tasks.TryGetValue(k, out task)) return task;
            switch (kind)
            {
                case "upload":
                case "streamedUpload": task = new NSUrlSessionUploadTask(); break;
                case "data": task = new NSUrlSessionDataTask(); break;
                default: task = new NSUrlSessionDownloadTask(); break;
            }
            task.SessionId = session;
            task.Id = id;
            Runtime.Tasks[k] = task;
            return task;
        }

        /// <summary>A task a call just created, from the key it returned.</summary>
        internal static T Created<T>(object key, string kind, NSUrl url) where T : NSUrlSessionTask
        {
            var k = (JsonObject)key;
            var task = For(k.Str("session"), k.Long("taskId"), kind);
            if (url != null && task.OriginalRequest == null)
            {
                task.OriginalRequest = new NSUrlRequest(url);
                task.CurrentRequest = task.OriginalRequest;
            }
            return (T)task;
        }

        public override string ToString() { return "<" + GetType().Name + " " + SessionId + "#" + Id + ">"; }
    }

    /// <summary>A download task.</summary>
    public class NSUrlSessionDownloadTask : NSUrlSessionTask
    {
        internal NSUrlSessionDownloadTask() { }

        /// <summary><c>cancelByProducingResumeData:</c> as Xamarin binds it. The callback runs
        /// later (on the session's delegate queue), with the resume data or null.</summary>
        public void Cancel(Action<NSData> resumeCallback) { CancelByProducingResumeData(resumeCallback); }

        /// <summary><c>cancelByProducingResumeData:</c>.</summary>
        public void CancelByProducingResumeData(Action<NSData> completionHandler)
        {
            var m = Runtime.Msg("cancelByProducingResumeData").With("task", Key);
            var handler = completionHandler ?? (_ => { });
            m.With("block", Runtime.RegisterBlock(ev => handler(NSData.FromBase64(ev.OptStr("resumeData")))));
            Runtime.Send(m);
        }
    }

    /// <summary>A data task (a fetch in the foreground).</summary>
    public class NSUrlSessionDataTask : NSUrlSessionTask
    {
        internal NSUrlSessionDataTask() { }
    }

    /// <summary>An upload task (from a file, or a streamed body).</summary>
    public class NSUrlSessionUploadTask : NSUrlSessionDataTask
    {
        internal NSUrlSessionUploadTask() { }
    }
}
