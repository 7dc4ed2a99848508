// UIKit.cs: the UIKit side of an app: UIApplication (SharedApplication, Delegate,
// ApplicationState, Main), the UIApplicationDelegate base class with the callbacks bgsim
// sends (FinishedLaunching, HandleEventsForBackgroundUrl, DidEnterBackground,
// WillEnterForeground), UIBackgroundFetchResult, UIApplicationState and a UIWindow stub.

using System;
using System.Reflection;
using Bgsim;
using Foundation;

namespace UIKit
{
    public enum UIApplicationState : long { Active = 0, Inactive = 1, Background = 2 }

    public enum UIBackgroundFetchResult : ulong { NewData = 0, NoData = 1, Failed = 2 }

    /// <summary>A window; there is no screen, so it only keeps what is set on it.</summary>
    public class UIWindow : NSObject
    {
        public UIWindow() { }
        public object RootViewController { get; set; }
        public void MakeKeyAndVisible() { }
    }

    /// <summary>The application object of this process.</summary>
    public class UIApplication : NSObject
    {
        /// <summary>Key of launchOptions when the system launched the app for a background
        /// session (UIApplicationLaunchOptionsURLSessionKey): the session's identifier.</summary>
        public static readonly NSString LaunchOptionsUrlSessionKey = new NSString("UIApplicationLaunchOptionsURLSessionKey");

        internal static UIApplication Shared;

        internal UIApplication(UIApplicationDelegate d) { Delegate = d; }

        public static UIApplication SharedApplication
        {
            get
            {
                if (Shared == null) throw new InvalidOperationException("bgsim: no app is running; start it with BgsimApp.Run");
                return Shared;
            }
        }

        public UIApplicationDelegate Delegate { get; set; }

        /// <summary>Active in the foreground, Background otherwise (the state of the event
        /// being handled; a suspended app runs no code).</summary>
        public UIApplicationState ApplicationState
        {
            get { return Runtime.State == "foreground" ? UIApplicationState.Active : UIApplicationState.Background; }
        }

        /// <summary>Xamarin's entry point: runs the app, its delegate an instance of
        /// <paramref name="delegateClass"/>; named after the entry assembly. Does not return.</summary>
        public static void Main(string[] args, Type principalClass, Type delegateClass)
        {
            var name = Assembly.GetEntryAssembly() != null ? Assembly.GetEntryAssembly().GetName().Name : delegateClass.Name;
            BgsimApp.Run(() => (UIApplicationDelegate)Activator.CreateInstance(delegateClass), name);
        }

        /// <summary>The same, the delegate class named as in an Info.plist.</summary>
        public static void Main(string[] args, string principalClassName, string delegateClassName)
        {
            var entry = Assembly.GetEntryAssembly();
            Type type = null;
            foreach (var t in entry.GetTypes())
                if (t.Name == delegateClassName || t.FullName == delegateClassName) type = t;
            if (type == null) throw new ArgumentException("no class " + delegateClassName + " in " + entry.GetName().Name);
            Main(args, (Type)null, type);
        }
    }

    /// <summary>The app delegate: override the callbacks the app needs.</summary>
    public class UIApplicationDelegate : NSObject
    {
        public virtual UIWindow Window { get; set; }

        public virtual bool WillFinishLaunching(UIApplication application, NSDictionary launchOptions) { return true; }

        /// <summary>A new process started: a user launch, or a background launch for a
        /// session (launchOptions then holds LaunchOptionsUrlSessionKey). Make the
        /// background session again here (LC-4): its events only come to a session object.</summary>
        public virtual bool FinishedLaunching(UIApplication application, NSDictionary launchOptions) { return true; }

        public virtual void DidEnterBackground(UIApplication application) { }

        public virtual void WillEnterForeground(UIApplication application) { }

        /// <summary>The system woke the app for a session's events. Keep the handler and
        /// call it once, on main, after DidFinishEventsForBackgroundSession (CH-1, CH-2).</summary>
        public virtual void HandleEventsForBackgroundUrl(UIApplication application, string sessionIdentifier, Action completionHandler) { }
    }
}
