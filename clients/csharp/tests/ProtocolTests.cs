// ProtocolTests.cs: the exchange itself, against FakeBgsim: the hello and its features, the
// welcome's settings, one `return` per event, answers to calls, blocks by number, and what
// each kind of exception does (an Objective-C exception returns; any other is a crash:
// logged, no return, exit status 70).

using System;
using Bgsim.Protocol;
using Foundation;
using UIKit;

namespace Bgsim.Tests
{
    /// <summary>An app delegate whose callbacks are set by each test.</summary>
    public class TestApp : UIApplicationDelegate, IDownloadUI
    {
        public Action<NSDictionary> Launch = _ => { };
        public Action<string, string> Tap = (u, d) => { };
        public Action<string, Action> Wake = (id, h) => { };
        public Action Background = () => { };

        public override bool FinishedLaunching(UIApplication application, NSDictionary launchOptions) { Launch(launchOptions); return true; }
        public override void HandleEventsForBackgroundUrl(UIApplication application, string sessionIdentifier, Action completionHandler) { Wake(sessionIdentifier, completionHandler); }
        public override void DidEnterBackground(UIApplication application) { Background(); }
        public void UserTappedDownload(string url, string destination) { Tap(url, destination); }
    }

    public sealed class PausingApp : TestApp, IPauseResumeUI, IAppliesSessionSettings
    {
        public void UserTappedPause(string destination) { }
        public void UserTappedResume(string destination) { }
    }

    public static class ProtocolTests
    {
        internal static int Run(FakeBgsim fake, UIApplicationDelegate app, BgsimOptions options = null)
        {
            var code = BgsimApp.Run(fake.Peer, () => app, "test-app", options);
            Assert.Equal(0, fake.Problems.Count, "protocol breaches: " + string.Join("; ", fake.Problems));
            return code;
        }

        internal static JsonObject Launch(bool background = false, string session = null)
        {
            return new JsonObject().With("inBackground", background).With("urlSessionIdentifier", session);
        }

        [Test]
        public static void HelloComesFirstWithTheFeaturesOfTheUI()
        {
            var fake = new FakeBgsim();
            var options = new BgsimOptions
            {
                ExtensionSession = "com.test.share",
                Variants = new[] { new Variant { Name = "bug", Args = new[] { "--bug" }, CaughtBy = new[] { "no-error-body" } } },
            };
            Assert.Equal(0, Run(fake, new PausingApp(), options), "exit status at the end of input");
            var hello = fake.Sent[0];
            Assert.Equal("hello", hello.Str("type"), "first message");
            Assert.Equal(1L, hello.Long("protocol"), "protocol version");
            Assert.Equal("test-app", hello.Str("app"), "name");
            Assert.Equal("pause-resume,session-settings", string.Join(",", hello.Arr("features")), "features");
            Assert.Equal("com.test.share", hello.Str("extensionSession"), "extension");
            var variant = (JsonObject)hello.Arr("variants")[0];
            Assert.Equal("--bug", (string)variant.Arr("args")[0], "variant args");
            Assert.Equal("no-error-body", (string)variant.Arr("caughtBy")[0], "variant checks");
            Assert.Equal(1, fake.Sent.Count, "nothing but the hello without events");
        }

        [Test]
        public static void EveryEventEndsWithOneReturn()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch())
                .Event("applicationDidEnterBackground", state: "background")
                .Event("userTappedSignOut") // the app has no sign-out: still a return
                .Event("somethingNew");    // an event this client does not know: still a return
            var backgrounds = 0;
            Run(fake, new TestApp { Background = () => backgrounds++ });
            Assert.Equal(4, fake.Returns, "returns");
            Assert.Equal(1, backgrounds, "DidEnterBackground");
        }

        [Test]
        public static void WelcomeSettingsAreTheScenarios()
        {
            var session = new JsonObject().With("sendsLaunchEvents", false).With("resourceTimeout_us", 3600000000L)
                .With("expectsToReceiveBytes", 4096L).With("credentials", "user:pw").With("discretionary", null);
            var fake = new FakeBgsim().Welcome(session).Event("didFinishLaunching", Launch());
            SessionSettings seen = null;
            Run(fake, new TestApp { Launch = _ => seen = Sim.Session });
            Assert.Equal(false, seen.SendsLaunchEvents, "sendsLaunchEvents");
            Assert.Equal(TimeSpan.FromHours(1), seen.ResourceTimeout, "resource timeout");
            Assert.Equal(4096L, seen.ExpectsToReceiveBytes, "bytes");
            Assert.Equal("user:pw", seen.Credentials, "credentials");
            Assert.Equal(null, seen.Discretionary, "null keeps the app's choice");
            var c = seen.ApplyTo(NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("x"));
            Assert.Equal(false, c.SessionSendsLaunchEvents, "applied");
            Assert.Equal(3600.0, c.TimeoutIntervalForResource, "applied in seconds");
        }

        [Test]
        public static void LaunchOptionsNameTheSession()
        {
            NSDictionary user = null, system = null;
            var calls = 0;
            var app = new TestApp { Launch = o => { if (calls++ == 0) user = o; else system = o; } };
            Run(new FakeBgsim().Event("didFinishLaunching", Launch()).Event("didFinishLaunching", Launch(true, "com.test"), state: "background"), app);
            Assert.Equal(null, user, "a user launch has no options");
            Assert.Equal("com.test", system[UIApplication.LaunchOptionsUrlSessionKey].ToString(), "the session key");
        }

        [Test]
        public static void CallsWaitForTheirAnswers()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch());
            fake.Responder = call => call.Str("type") == "fileExists"
                ? FakeBgsim.Msg("result").With("value", call.Str("path") == "Documents/here") : null;
            bool here = false, gone = true;
            Run(fake, new TestApp { Launch = _ => { here = IO.File.Exists("Documents/here"); gone = IO.File.Exists("Documents/gone"); } });
            Assert.True(here && !gone, "each answer goes to its call");
            Assert.Equal(2, fake.All("fileExists").Count, "two calls");
        }

        [Test]
        public static void CompletionHandlerIsCalledByNumber()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch(true, "com.test"), state: "background")
                .Event("handleEventsForBackgroundURLSession", new JsonObject().With("identifier", "com.test").With("handler", 7L), state: "background");
            string woken = null;
            Run(fake, new TestApp { Wake = (id, handler) => { woken = id; handler(); } });
            Assert.Equal("com.test", woken, "identifier");
            Assert.Equal(7L, fake.Last("callCompletionHandler").Long("handler"), "the handler's number");
        }

        [Test]
        public static void DispatchedBlocksRunByTheirNumber()
        {
            var order = "";
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch(), nowUs: 1000000);
            fake.Then(() => FakeBgsim.Msg("runBlock").With("block", fake.All("dispatch")[1].Long("block")).With("now_us", 3000000L).With("queue", "main"));
            fake.Then(() => FakeBgsim.Msg("runBlock").With("block", fake.All("dispatch")[0].Long("block")).With("now_us", 3000000L).With("queue", "background"));
            Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    CoreFoundation.DispatchQueue.DefaultGlobalQueue.DispatchAsync(() => order += "a" + NSThread.IsMain);
                    CoreFoundation.DispatchQueue.MainQueue.DispatchAfter(
                        new CoreFoundation.DispatchTime(CoreFoundation.DispatchTime.Now, TimeSpan.FromSeconds(2)), () => order += "b" + NSThread.IsMain);
                },
            });
            var d = fake.All("dispatch");
            Assert.Equal("background", d[0].Str("queue"), "first queue");
            Assert.True(!d[0].Has("delay_us"), "no delay");
            Assert.Equal("main", d[1].Str("queue"), "second queue");
            Assert.Equal(2000000L, d[1].Long("delay_us"), "2 s of virtual time");
            Assert.True(d[0].Long("block") != d[1].Long("block"), "distinct numbers");
            Assert.Equal("bTrueaFalse", order, "run in bgsim's order, each on its queue");
            Assert.Equal(3, fake.Returns, "a runBlock is a turn");
        }

        [Test]
        public static void AnUnknownBlockBreaksTheExchange()
        {
            var fake = new FakeBgsim().Then(() => FakeBgsim.Msg("runBlock").With("block", 42L).With("queue", "main"));
            Assert.Equal(2, BgsimApp.Run(fake.Peer, () => new TestApp(), "t"), "exit status");
            Assert.Equal(0, fake.Returns, "no return");
        }

        [Test]
        public static void AnObjectiveCExceptionLetsTheCallbackReturn()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch()).Event("userTappedDownload",
                new JsonObject().With("url", "http://x/a").With("destination", "Documents/a"));
            fake.Responder = call => call.Str("type") == "downloadTaskWithCompletionHandler"
                ? FakeBgsim.Msg("exception").With("name", "NSGenericException").With("reason", "Completion handler blocks are not supported in background sessions")
                : null;
            string caught = null;
            var after = false;
            var app = new TestApp
            {
                Launch = _ => { },
                Tap = (url, dest) =>
                {
                    var s = NSUrlSession.FromConfiguration(NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration("com.test"), null, null);
                    try { s.CreateDownloadTask(new NSUrlRequest(NSUrl.FromString(url)), (l, r, e) => { }); }
                    catch (ObjCRuntime.ObjCException e) { caught = e.Name + "/" + e.Reason; }
                    after = true;
                    s.CreateDownloadTask(new NSUrlRequest(NSUrl.FromString(url)), (l, r, e) => { }); // uncaught
                    after = false;
                },
            };
            Assert.Equal(0, Run(fake, app), "exit status");
            Assert.Equal("NSGenericException/Completion handler blocks are not supported in background sessions", caught, "thrown as ObjCException");
            Assert.True(after, "code after an uncaught one does not run");
            Assert.Equal(2, fake.Returns, "the callback still returns: bgsim ends the process");
        }

        [Test]
        public static void AnyOtherExceptionIsACrash()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch()).Event("applicationDidEnterBackground");
            var app = new TestApp { Launch = _ => { throw new InvalidCastException("boom"); } };
            Assert.Equal(BgsimApp.CrashExitCode, Run(fake, app), "exit status");
            Assert.Equal(0, fake.Returns, "no return after a crash");
            var crash = fake.Last("crash").Str("message");
            Assert.True(crash.Contains("Unhandled managed exception in didFinishLaunching: System.InvalidCastException: boom"), crash);
            Assert.Equal("crash", fake.Sent[fake.Sent.Count - 1].Str("type"), "the crash is the last word");
        }

        [Test]
        public static void NoCallOutsideACallback()
        {
            var fake = new FakeBgsim();
            var e = Assert.Throws<InvalidOperationException>(() => BgsimApp.Run(fake.Peer, () => { Sim.Log("from a constructor"); return new TestApp(); }, "t"));
            Assert.True(e.Message.Contains("outside a callback"), e.Message);
            Assert.Equal(0, fake.Sent.Count, "nothing written");
        }

        [Test]
        public static void TheEndOfInputInACallIsTheEnd()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch());
            fake.Responder = call => { throw new PeerClosedException(); };
            Assert.Equal(0, BgsimApp.Run(fake.Peer, () => new TestApp { Launch = _ => IO.File.Exists("a") }, "t"), "exit status");
        }

        [Test]
        public static void ConsoleAndReportsAreCalls()
        {
            var fake = new FakeBgsim().Event("didFinishLaunching", Launch());
            Run(fake, new TestApp
            {
                Launch = _ =>
                {
                    IO.Console.WriteLine("progress: {0}", 0.5f);
                    IO.Console.Write("a");
                    IO.Console.WriteLine("b");
                    Sim.ReportProgress("k", double.NaN);
                    Sim.ReportDownloadState("k", DownloadState.Failed);
                    Sim.Busy(TimeSpan.FromTicks(15000)); // 1.5 ms
                    Sim.Dispatch(CoreFoundation.DispatchQueue.MainQueue, TimeSpan.Zero, "label", () => { });
                },
            });
            Assert.Equal("progress: 0.5", fake.All("log")[0].Str("message"), "invariant culture");
            Assert.Equal("ab", fake.All("log")[1].Str("message"), "Write waits for the line");
            Assert.Equal(-double.MaxValue, fake.Last("reportProgress").Double("fraction"), "NaN sent as a number");
            Assert.Equal("failed", fake.Last("reportDownloadState").Str("state"), "state");
            Assert.Equal(1500L, fake.Last("busy").Long("duration_us"), "busy");
            Assert.Equal("label", fake.Last("dispatch").Str("label"), "label");
        }
    }
}
