// BgsimApp.cs: the entry point. BgsimApp.Run makes the app delegate, speaks the handshake
// (hello, welcome), then runs the event loop: each event becomes a call of the app delegate,
// the UI, a session delegate or a dispatched block, and is ended with `return`. It also
// decides what an exception does: an Objective-C exception (an `exception` answer) lets the
// callback return, and bgsim ends the process; any other uncaught exception is a crash,
// logged and ended with exit status 70, as an unhandled exception ends a Xamarin app.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Bgsim.Protocol;
using Foundation;
using UIKit;

namespace Bgsim
{
    /// <summary>A buggy variant of the app, for `bgsim mutants --app-command`.</summary>
    public sealed class Variant
    {
        public string Name;
        public string[] Args;
        public string[] CaughtBy;
    }

    /// <summary>What the hello says beyond the name.</summary>
    public sealed class BgsimOptions
    {
        /// <summary>Who receives the user's taps: by default the app delegate. Its UI
        /// interfaces (IPauseResumeUI, ...) make the features of the hello.</summary>
        public object UserInterface;
        /// <summary>Features named outright, added to those of the interfaces.</summary>
        public string[] Features;
        /// <summary>The session identifier of the app's share extension (ID-5).</summary>
        public string ExtensionSession;
        public Variant[] Variants;
    }

    public static class BgsimApp
    {
        /// <summary>The exit status of a crash: an exception no app code caught.</summary>
        public const int CrashExitCode = 70;

        /// <summary>Runs the app on the process's standard streams until bgsim closes them or
        /// kills the process; then exits. Does not return.</summary>
        public static void Run(Func<UIApplicationDelegate> makeDelegate, string appName, BgsimOptions options = null)
        {
            int code;
            try
            {
                code = Run(Peer.Standard(), makeDelegate, appName, options);
            }
            catch (Exception e)
            {
                System.Console.Error.WriteLine("bgsim client: " + e);
                code = CrashExitCode;
            }
            System.Console.Error.Flush();
            System.Environment.Exit(code);
        }

        /// <summary>Runs the app against <paramref name="peer"/> (a fake bgsim in tests);
        /// returns the exit status: 0 at the end of the input, CrashExitCode after a crash.</summary>
        public static int Run(Peer peer, Func<UIApplicationDelegate> makeDelegate, string appName, BgsimOptions options = null)
        {
            options = options ?? new BgsimOptions();
            // The same output whatever the machine's locale.
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
            Runtime.Reset(peer);
            var appDelegate = makeDelegate();
            UIApplication.Shared = new UIApplication(appDelegate);
            var ui = options.UserInterface ?? appDelegate;
            peer.Send(Hello(appName, ui, options));
            try
            {
                var welcome = peer.Receive();
                if (welcome.OptStr("type") != "welcome")
                    throw new ProtocolException("bgsim answered the hello with " + welcome);
                Runtime.SessionSettings = welcome.OptObj("session");
                return Loop(peer, appDelegate, ui);
            }
            catch (PeerClosedException)
            {
                return 0;
            }
        }

        static JsonObject Hello(string appName, object ui, BgsimOptions options)
        {
            var features = new List<object>();
            Action<bool, string> feature = (has, name) => { if (has && !features.Contains(name)) features.Add(name); };
            feature(ui is IPauseResumeUI, "pause-resume");
            feature(ui is IFetchUI, "fetch");
            feature(ui is IUploadUI, "upload");
            feature(ui is ISignOutUI, "sign-out");
            feature(ui is IStopAfterDownloadsUI, "stop-after-downloads");
            feature(ui is IAppliesSessionSettings, "session-settings");
            foreach (var f in options.Features ?? new string[0]) feature(true, f);
            var hello = Runtime.Msg("hello").With("protocol", 1L).With("app", appName).With("features", features);
            if (options.ExtensionSession != null) hello.With("extensionSession", options.ExtensionSession);
            if (options.Variants != null)
            {
                var list = new List<object>();
                foreach (var v in options.Variants)
                    list.Add(new JsonObject().With("name", v.Name).With("args", v.Args ?? new string[0]).With("caughtBy", v.CaughtBy ?? new string[0]));
                hello.With("variants", list);
            }
            return hello;
        }

        static int Loop(Peer peer, UIApplicationDelegate appDelegate, object ui)
        {
            while (true)
            {
                var ev = peer.Receive();
                var type = ev.OptStr("type") ?? "";
                Runtime.Enter(ev);
                try
                {
                    Dispatch(type, ev, appDelegate, ui);
                }
                catch (ObjCRuntime.ObjCException e)
                {
                    // iOS already raised it: bgsim ends the process once this callback returns.
                    System.Console.Error.WriteLine("bgsim client: Objective-C exception in " + type + ": " + e.Message +
                        " (the app crashes when the callback returns)");
                }
                catch (PeerClosedException)
                {
                    throw;
                }
                catch (ProtocolException e)
                {
                    System.Console.Error.WriteLine("bgsim client: the exchange broke at " + type + ": " + e.Message);
                    return 2;
                }
                catch (Exception e)
                {
                    return Crash(peer, type, e);
                }
                finally
                {
                    Runtime.Leave();
                }
                peer.Send(Runtime.Msg("return"));
            }
        }

        /// <summary>An exception the app did not catch: a crash. bgsim is told with the protocol's
        /// `crash` message instead of `return` (it records the crash, judged by no-exception, as
        /// a Rust app's panic is), the stack goes to standard error, and the process exits.</summary>
        static int Crash(Peer peer, string type, Exception e)
        {
            var message = "Unhandled managed exception in " + type + ": " + e.GetType().FullName + ": " + e.Message;
            try
            {
                peer.Send(Runtime.Msg("crash").With("message", message));
            }
            catch (IOException)
            {
                // bgsim is gone: there is no one to tell.
            }
            System.Console.Error.WriteLine("bgsim client: " + message);
            System.Console.Error.WriteLine(e);
            return CrashExitCode;
        }

        static void Dispatch(string type, JsonObject ev, UIApplicationDelegate app, object ui)
        {
            var application = UIApplication.SharedApplication;
            switch (type)
            {
                case "didFinishLaunching":
                    NSDictionary options = null;
                    var id = ev.OptStr("urlSessionIdentifier");
                    if (id != null)
                    {
                        options = new NSDictionary();
                        options.Set(UIApplication.LaunchOptionsUrlSessionKey, new NSString(id));
                    }
                    app.WillFinishLaunching(application, options);
                    app.FinishedLaunching(application, options);
                    return;
                case "handleEventsForBackgroundURLSession":
                    var handler = ev.Long("handler");
                    app.HandleEventsForBackgroundUrl(application, ev.Str("identifier"),
                        () => Runtime.Send(Runtime.Msg("callCompletionHandler").With("handler", handler)));
                    return;
                case "applicationDidEnterBackground":
                    app.DidEnterBackground(application);
                    return;
                case "applicationWillEnterForeground":
                    app.WillEnterForeground(application);
                    return;
                case "runBlock":
                    Runtime.RunBlock(ev);
                    return;
            }
            if (SessionEvents.Handles(type))
            {
                SessionEvents.Deliver(type, ev);
                return;
            }
            if (!UserEvent(type, ev, ui))
                System.Console.Error.WriteLine("bgsim client: no handler for event `" + type + "`; ignored");
        }

        /// <summary>The user's taps, to the UI interface that takes them; false if none does.</summary>
        static bool UserEvent(string type, JsonObject ev, object ui)
        {
            switch (type)
            {
                case "userTappedDownload":
                    var download = ui as IDownloadUI;
                    if (download == null) return false;
                    download.UserTappedDownload(ev.Str("url"), ev.Str("destination"));
                    return true;
                case "userTappedPause":
                case "userTappedResume":
                    var pause = ui as IPauseResumeUI;
                    if (pause == null) return false;
                    if (type == "userTappedPause") pause.UserTappedPause(ev.Str("destination"));
                    else pause.UserTappedResume(ev.Str("destination"));
                    return true;
                case "userTappedFetch":
                    var fetch = ui as IFetchUI;
                    if (fetch == null) return false;
                    fetch.UserTappedFetch(ev.Str("url"), ev.Str("destination"));
                    return true;
                case "userTappedUpload":
                    var upload = ui as IUploadUI;
                    if (upload == null) return false;
                    upload.UserTappedUpload(ev.Str("url"), Convert.FromBase64String(ev.Str("content")));
                    return true;
                case "userTappedSignOut":
                    var signOut = ui as ISignOutUI;
                    if (signOut == null) return false;
                    signOut.UserTappedSignOut();
                    return true;
                case "userTappedStopAfterDownloads":
                    var stop = ui as IStopAfterDownloadsUI;
                    if (stop == null) return false;
                    stop.UserTappedStopAfterDownloads();
                    return true;
                case "userTappedSuspendTask":
                case "userTappedResumeTask":
                    var suspend = ui as ITaskSuspendUI;
                    if (suspend == null) return false;
                    if (type == "userTappedSuspendTask") suspend.UserTappedSuspendTask(ev.Str("url"));
                    else suspend.UserTappedResumeTask(ev.Str("url"));
                    return true;
                default:
                    return false;
            }
        }
    }
}
