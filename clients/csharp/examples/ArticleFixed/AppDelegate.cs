// AppDelegate.cs: the article's app delegate, corrected. What it fixes, against the listing
// of "Utilizing the iOS Background with Xamarin: Part 2" (see ../Article/Article.cs):
//
//  - The session is made again at every launch, in FinishedLaunching: when iOS relaunches
//    the app in the background for its downloads, their events are delivered only to a
//    session object with the same identifier (LC-4). The article made it only in FetchImage,
//    so after a relaunch nothing listened, and every fetch made another session with the
//    same identifier (ID-3).
//  - Files that finished while the device was locked are put in place when the app comes
//    back to the foreground, or at the next launch (Downloader.PlaceStaged).
//  - The completion handler of HandleEventsForBackgroundUrl is kept per session identifier
//    and called once, on the main queue, after DidFinishEventsForBackgroundSession (CH-1,
//    CH-2). The article called it on the delegate queue and never cleared it.
//
// The download logic itself is in Downloader.cs, its delegate in UrlSessionDelegate.cs.

using System;
using System.Collections.Generic;
using Bgsim;
using Foundation;
using UIKit;

[Register("AppDelegate")]
public class AppDelegate : UIApplicationDelegate, IDownloadUI
{
    // Completion handlers of background wakes, by session identifier, until called.
    readonly Dictionary<string, Action> backgroundCompletionHandlers = new Dictionary<string, Action>();

    public override UIWindow Window { get; set; }

    public Downloader Downloader { get; private set; }

    public override bool FinishedLaunching(UIApplication application, NSDictionary launchOptions)
    {
        // Every launch, user or system: reconnect to the daemon's tasks and events now.
        Downloader = new Downloader();
        Downloader.Connect();
        return true;
    }

    public override void WillEnterForeground(UIApplication application)
    {
        // Unlocked and in front: files that finished while the device was locked go in place.
        Downloader.PlaceStaged();
    }

    public override void HandleEventsForBackgroundUrl(UIApplication application, string sessionIdentifier, Action completionHandler)
    {
        // Keep the handler; iOS keeps the app awake until it is called. The session itself
        // was made in FinishedLaunching, so its events are already on their way.
        backgroundCompletionHandlers[sessionIdentifier] = completionHandler;
    }

    // Called on the main queue once the session has delivered the wake's last event.
    public void CompleteBackgroundEvents(string sessionIdentifier)
    {
        Action handler;
        if (backgroundCompletionHandlers.TryGetValue(sessionIdentifier, out handler))
        {
            backgroundCompletionHandlers.Remove(sessionIdentifier); // exactly once
            handler();
        }
    }

    // The download button: the user picked a file and where to keep it.
    public void UserTappedDownload(string url, string destination)
    {
        Downloader.Start(url, destination);
    }

    static void Main(string[] args)
    {
        BgsimApp.Run(() => new AppDelegate(), "article-fixed-cs");
    }
}
