// SdkTests.cs: the Xamarin look-alikes over the protocol, against FakeBgsim: sessions and
// their aliases, tasks (one object per key), delegate events, completion blocks
// (getAllTasks, cancelByProducingResumeData), challenges, main-thread dispatch, and the
// file calls with their .NET exceptions.

using System;
using System.Collections.Generic;
using Bgsim.Protocol;
using Foundation;
using UIKit;
using File = Bgsim.IO.File;

namespace Bgsim.Tests
{
    public sealed class RecordingDelegate : NSUrlSessionDownloadDelegate
    {
        public readonly List<string> Calls = new List<string>();
        public readonly List<NSUrlSessionTask> Tasks = new List<NSUrlSessionTask>();
        public NSError Error;
        public Action<NSUrlAuthenticationChallenge, Action<NSUrlSessionAuthChallengeDisposition, NSUrlCredential>> Challenge;

        public override void DidWriteData(NSUrlSession s, NSUrlSessionDownloadTask t, long w, long total, long expected)
        { Calls.Add($"write {w} {total}/{expected} main={NSThread.IsMain}"); Tasks.Add(t); }
        public override void DidResume(NSUrlSession s, NSUrlSessionDownloadTask t, long offset, long expected) { Calls.Add($"resume {offset}/{expected}"); }
        public override void DidFinishDownloading(NSUrlSession s, NSUrlSessionDownloadTask t, NSUrl location)
        { Calls.Add($"finish {location.Path} {((NSHttpUrlResponse)t.Response).StatusCode} {t.TaskDescription}"); Tasks.Add(t); }
        public override void DidCompleteWithError(NSUrlSession s, NSUrlSessionTask t, NSError e) { Calls.Add("complete " + (e == null ? "nil" : e.Code.ToString())); Error = e; }
        public override void DidFinishEventsForBackgroundSession(NSUrlSession s) { Calls.Add("events " + s.Configuration.Identifier); }
        public override void DidBecomeInvalid(NSUrlSession s, NSError e) { Calls.Add("invalid " + (e == null ? "nil" : e.Code.ToString())); }
        public override void DidReceiveChallenge(NSUrlSession s, NSUrlSessionTask t, NSUrlAuthenticationChallenge c, Action<NSUrlSessionAuthChallengeDisposition, NSUrlCredential> h)
        { if (Challenge != null) Challenge(c, h); else base.DidReceiveChallenge(s, t, c, h); }
    }

    public static class SdkTests
    {
        static JsonObject TaskObject(long id, string description = "Documents/a.bin", long status = 200)
        {
            return new JsonObject().With("key", new JsonObject().With("session", "com.test").With("taskId", id))
                .With("originalURL", "http://x/a.bin").With("currentURL", "http://x/a.bin").With("taskDescription", description)
                .With("state", "running").With("kind", "download").With("countOfBytesReceived", 10L).With("countOfBytesExpectedToReceive", 20L)
                .With("response", new JsonObject().With("statusCode", status).With("expectedContentLength", 20L).With("etag", "\"e\""));
        }

        static FakeBgsim Delegated(string type, JsonObject fields)
        {
            fields.With("session", "com.test");
            return new FakeBgsim().Event("didFinishLaunching", ProtocolTests.Launch()).Event(type, fields, queue: "delegate:com.test");
        }

        static RecordingDelegate RunWithSession(FakeBgsim fake)
        {
            var d = new RecordingDelegate();
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ => NSUrlSession.FromConfiguration(NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test"), d, null),
            });
            return d;
        }

        [Test]
        public static void SessionsSendOnlyTheSettingsTheAppChose()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", ProtocolTests.Launch());
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    var c = NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test");
                    c.Discretionary = true;
                    c.TimeoutIntervalForRequest = 30;
                    NSUrlSession.FromConfiguration(c, null, null);
                },
            });
            var config = fake.Last("createBackgroundSession").Obj("configuration");
            Assert.Equal("{\"identifier\":\"com.test\",\"isDiscretionary\":true,\"timeoutIntervalForRequest_us\":30000000}", Json.Write(config), "configuration");
        }

        [Test]
        public static void ASecondSessionWithTheSameNumberKeepsTheFirstDelegate()
        {
            var first = new RecordingDelegate();
            var fake = Delegated("urlSessionDidFinishEvents", new JsonObject());
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    var c = NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test");
                    var a = NSUrlSession.FromConfiguration(c, first, null);
                    var b = NSUrlSession.FromConfiguration(c, new RecordingDelegate(), null);
                    Assert.True(ReferenceEquals(a.Delegate, b.Delegate), "aliased (ID-3)");
                },
            });
            Assert.Equal("events com.test", string.Join(",", first.Calls), "delivered to the first delegate");
        }

        [Test]
        public static void TasksAreCreatedResumedAndDescribed()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", ProtocolTests.Launch());
            NSUrlSessionDownloadTask task = null;
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    var s = NSUrlSession.FromConfiguration(NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test"), null, null);
                    task = s.CreateDownloadTask(new NSMutableUrlRequest(NSUrl.FromString("http://x/a.bin")) { HttpMethod = "GET" });
                    task.TaskDescription = "Documents/a.bin";
                    task.EarliestBeginDate = NSDate.FromTimeIntervalSinceNow(60);
                    task.Resume();
                },
            });
            Assert.Equal("http://x/a.bin", fake.Last("downloadTask").Str("url"), "url");
            Assert.Equal(0L, fake.Last("downloadTask").Long("session"), "by the session's number");
            Assert.Equal(1UL, task.TaskIdentifier, "the key's taskId");
            Assert.Equal("{\"session\":\"com.test\",\"taskId\":1}", Json.Write(fake.Last("resume").Obj("task")), "resume names the key");
            Assert.Equal("Documents/a.bin", fake.Last("setTaskDescription").Str("description"), "description");
            Assert.Equal(60000000L, fake.Last("setEarliestBeginDate").Long("at_us"), "virtual time");
            Assert.Equal(NSUrlSessionTaskState.Running, task.State, "running once resumed");
        }

        [Test]
        public static void DelegateEventsCarryTheirArguments()
        {
            var fake = Delegated("didWriteData", new JsonObject().With("task", TaskObject(1)).With("bytesWritten", 10L)
                .With("totalBytesWritten", 10L).With("totalBytesExpectedToWrite", -1L));
            fake.Event("didFinishDownloadingTo", new JsonObject().With("session", "com.test").With("task", TaskObject(1, status: 404))
                .With("location", "Library/Caches/x.tmp"), queue: "delegate:com.test");
            fake.Event("didResumeAtOffset", new JsonObject().With("session", "com.test").With("task", TaskObject(1))
                .With("fileOffset", 5L).With("expectedTotalBytes", 20L), queue: "delegate:com.test");
            var d = RunWithSession(fake);
            Assert.Equal("write 10 10/-1 main=False|finish Library/Caches/x.tmp 404 Documents/a.bin|resume 5/20", string.Join("|", d.Calls), "calls");
            Assert.True(ReferenceEquals(d.Tasks[0], d.Tasks[1]), "one object per task");
            Assert.Equal(20L, d.Tasks[0].BytesExpectedToReceive, "snapshot");
            Assert.Equal("\"e\"", ((NSHttpUrlResponse)d.Tasks[0].Response).AllHeaderFields["ETag"].ToString(), "validators");
        }

        [Test]
        public static void ErrorsCarryResumeDataAndTheCancelReason()
        {
            var error = new JsonObject().With("code", -999L).With("cancelReason", 0L).With("resumeData", Convert.ToBase64String(new byte[] { 1, 2, 3 }));
            var d = RunWithSession(Delegated("didCompleteWithError", new JsonObject().With("task", TaskObject(1)).With("error", error)));
            Assert.Equal((long)NSUrlError.Cancelled, d.Error.Code, "code");
            Assert.Equal(NSError.NSUrlErrorDomain, d.Error.Domain, "domain");
            Assert.Equal(3UL, ((NSData)d.Error.UserInfo[NSError.ResumeDataKey]).Length, "resume data");
            Assert.Equal((long)NSUrlErrorCancelledReason.UserForceQuitApplication,
                ((NSNumber)d.Error.UserInfo[NSError.BackgroundTaskCancelledReasonKey]).Int64Value, "reason");
            var ok = RunWithSession(Delegated("didCompleteWithError", new JsonObject().With("task", TaskObject(1)).With("error", null)));
            Assert.Equal(null, ok.Error, "null is success");
        }

        [Test]
        public static void CompletionBlocksGetTheirValues()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", ProtocolTests.Launch());
            fake.Then(() => FakeBgsim.Msg("runBlock").With("block", fake.Last("getAllTasks").Long("block"))
                .With("tasks", new List<object> { TaskObject(4, "Documents/b") }).With("queue", "delegate:com.test"));
            fake.Then(() => FakeBgsim.Msg("runBlock").With("block", fake.Last("cancelByProducingResumeData").Long("block"))
                .With("resumeData", Convert.ToBase64String(new byte[] { 9 })).With("queue", "delegate:com.test"));
            NSData data = null;
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    var s = NSUrlSession.FromConfiguration(NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test"), null, null);
                    s.GetAllTasks(tasks =>
                    {
                        Assert.Equal("Documents/b", tasks[0].TaskDescription, "task description");
                        ((NSUrlSessionDownloadTask)tasks[0]).Cancel(d => data = d);
                    });
                },
            });
            Assert.Equal(4L, fake.Last("cancelByProducingResumeData").Obj("task").Long("taskId"), "the task");
            Assert.Equal(9, (int)data.ToArray()[0], "resume data");
            Assert.Equal(3, fake.Returns, "each block a turn");
        }

        [Test]
        public static void InvalidationsReachTheSessionThatWasInvalidated()
        {
            var old = new RecordingDelegate();
            var next = new RecordingDelegate();
            var fake = new FakeBgsim().Event("didFinishLaunching", ProtocolTests.Launch())
                .Event("didBecomeInvalidWithError", new JsonObject().With("session", "com.test").With("error", null), queue: "delegate:com.test");
            var number = 0L;
            fake.Responder = call => call.Str("type") == "createBackgroundSession" ? FakeBgsim.Msg("result").With("value", number++) : null;
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    var c = NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test");
                    NSUrlSession.FromConfiguration(c, old, null).InvalidateAndCancel();
                    NSUrlSession.FromConfiguration(c, next, null);
                },
            });
            Assert.Equal(true, fake.Last("invalidate").Bool("cancel"), "invalidateAndCancel");
            Assert.Equal("invalid nil", string.Join(",", old.Calls), "the old session hears it");
            Assert.Equal(0, next.Calls.Count, "not the new one");
        }

        [Test]
        public static void ChallengesAreAnsweredByNumber()
        {
            var challenge = new JsonObject().With("scheme", "Basic").With("realm", "r").With("host", "h").With("previousFailureCount", 0L);
            var fake = Delegated("didReceiveChallenge", new JsonObject().With("task", TaskObject(1)).With("challenge", challenge).With("handler", 3L));
            fake.Event("didReceiveChallenge", new JsonObject().With("session", "com.test").With("task", TaskObject(1))
                .With("challenge", challenge).With("handler", 4L), queue: "delegate:com.test");
            var d = new RecordingDelegate();
            d.Challenge = (c, h) =>
            {
                Assert.Equal("NSURLAuthenticationMethodHTTPBasic", c.ProtectionSpace.AuthenticationMethod, "method");
                h(NSUrlSessionAuthChallengeDisposition.UseCredential, NSUrlCredential.FromUserPasswordPersistance("u", "p", NSUrlCredentialPersistence.ForSession));
                d.Challenge = null; // the second challenge gets the base class's default handling
            };
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ => NSUrlSession.FromConfiguration(NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test"), d, null),
            });
            var answers = fake.All("answerChallenge");
            Assert.Equal("{\"type\":\"answerChallenge\",\"handler\":3,\"disposition\":\"useCredential\",\"user\":\"u\",\"password\":\"p\"}", Json.Write(answers[0]), "credential");
            Assert.Equal("performDefaultHandling", answers[1].Str("disposition"), "the default");
            Assert.Equal(4L, answers[1].Long("handler"), "its own number");
        }

        [Test]
        public static void InvokeOnMainThreadRunsNowOnMainElseLater()
        {
            var fake = Delegated("urlSessionDidFinishEvents", new JsonObject());
            fake.Then(() => FakeBgsim.Msg("runBlock").With("block", fake.Last("dispatch").Long("block")).With("queue", "main"));
            var order = "";
            var d = new CallingDelegate(() =>
            {
                order += "1";
                UIApplication.SharedApplication.InvokeOnMainThread(() => order += "3");
                order += "2";
            });
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    UIApplication.SharedApplication.InvokeOnMainThread(() => order += "0");
                    NSUrlSession.FromConfiguration(NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test"), d, null);
                },
            });
            Assert.Equal("0123", order, "inline on main, dispatched from the delegate queue");
            Assert.Equal("main", fake.Last("dispatch").Str("queue"), "to main");
        }

        sealed class CallingDelegate : NSUrlSessionDownloadDelegate
        {
            readonly Action onEvents;
            public CallingDelegate(Action onEvents) { this.onEvents = onEvents; }
            public override void DidFinishDownloading(NSUrlSession s, NSUrlSessionDownloadTask t, NSUrl l) { }
            public override void DidFinishEventsForBackgroundSession(NSUrlSession s) { onEvents(); }
        }

        [Test]
        public static void FileErrorsAreDotNetExceptions()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", ProtocolTests.Launch());
            fake.Responder = call =>
            {
                Func<string, JsonObject> error = kind => FakeBgsim.Msg("error").With("error", kind).With("message", kind + "!");
                switch (call.Str("type"))
                {
                    case "copyItem": return error("exists");
                    case "moveItem": return error(call.Str("from") == "missing" ? "not-found" : "permission-denied");
                    case "removeItem": return error(call.Str("path") == "missing" ? "not-found" : "io");
                    case "readFile": return FakeBgsim.Msg("result").With("value", Convert.ToBase64String(new byte[] { 104, 105 }));
                    case "writeFile": return error("invalid-path");
                    default: return null;
                }
            };
            ProtocolTests.Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    Assert.Throws<System.IO.IOException>(() => File.Copy("a", "b"), "exists");
                    var nf = Assert.Throws<System.IO.FileNotFoundException>(() => File.Move("missing", "b"), "not-found");
                    Assert.Equal("missing", nf.FileName, "names the source");
                    var pd = Assert.Throws<UnauthorizedAccessException>(() => File.Move("a", "Documents/b"), "locked");
                    Assert.True(pd.Message.Contains("'Documents/b'") && pd.Message.Contains("locked"), pd.Message);
                    File.Delete("missing"); // not an error in .NET
                    Assert.Throws<System.IO.IOException>(() => File.Delete("other"), "io");
                    Assert.Equal("hi", File.ReadAllText("a"), "read");
                    Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllText("/etc/x", "x"), "outside the container");
                    var personal = IO.Environment.GetFolderPath(IO.Environment.SpecialFolder.Personal);
                    Assert.Equal("/var/mobile/Containers/Data/Application/TEST/Documents", personal, "Personal is Documents");
                },
            });
            Assert.Equal(1, fake.All("containerRoot").Count, "the root asked once per event");
            Assert.Equal("aGk=", Convert.ToBase64String(new byte[] { 104, 105 }), "base64");
        }
    }
}
