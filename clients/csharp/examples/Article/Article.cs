// Article.cs: the code of "Utilizing the iOS Background with Xamarin: Part 2" (the seed
// article, docs/design.md#the-seed-article; its text is kept in the research notes), bugs
// included, compiled against Bgsim.iOS instead of Xamarin.iOS. bgsim judges it in its own
// language; src/apps/article.rs is its Rust twin, which documents each bug.
//
// The listing below is the article's, in its order. What changed, and why:
//
// Lines lost in extraction, restored as their evident intent (each marked RESTORED):
//   1. `task.Resume();` after `session.CreateDownloadTask(request)` (the text: "It is
//      important that you call Resume on the task to start the asynchronous download").
//   2. `File.Delete(destinationFilepath);` inside the `if (File.Exists(...))` check.
//   3. `handler();` inside the `if (handler != null)` check.
//   4. `destinationUrl` read as the `destinationFilepath` field (the listing names a
//      variable it never declares) -- in the Exists, Delete and Copy lines.
//   5. The closing braces the listing lost, and the method bodies' braces.
//
// Changes a port to Linux needs (each marked PORT):
//   - `using Bgsim.IO;` instead of `using System.IO;`, with `Console` and `Environment`
//     aliased to Bgsim.IO's: the container is in bgsim, so file calls (and the console, now a
//     log line in the history) go through the protocol.
//   - `NSURL.FromString` is `NSUrl.FromString` (the listing's spelling does not compile in
//     Xamarin either).
//   - The other half of the partial class AppDelegate, which the article does not show (the
//     Xamarin template's): its base class, and `Main`.
//   - The UI: the user's tap on download calls `FetchImage(url)`, as in the article's first
//     part; "perform any UI updates here" becomes the progress bar bgsim watches
//     (Sim.ReportProgress, keyed "task-<id>" as in the Rust twin).

using System;
using Bgsim;
using Bgsim.IO;                             // PORT: instead of System.IO
using Foundation;
using UIKit;
using Console = Bgsim.IO.Console;           // PORT: a log line in the history
using Environment = Bgsim.IO.Environment;   // PORT: folders of the container

// PORT: the template's half of the partial class, with the user interface.
[Register("AppDelegate")]
public partial class AppDelegate : UIApplicationDelegate, IDownloadUI
{
    public override UIWindow Window { get; set; }

    // The article's AppDelegate does no session work at launch.
    public override bool FinishedLaunching(UIApplication application, NSDictionary launchOptions)
    {
        return true;
    }

    // PORT: the download button.
    public void UserTappedDownload(string url, string destination)
    {
        FetchImage(url);
    }

    static void Main(string[] args)
    {
        BgsimApp.Run(() => new AppDelegate(), "article-cs");
    }
}

// ---- The article's listing ----

public partial class AppDelegate
{
  const string SessionId = "com.example.backgroundSession";

  private NSUrlSession ConfigureBackgroundSession()
  {
#pragma warning disable 618 // BackgroundSessionConfiguration is obsolete (iOS 8), as the article's readers were warned
    var configuration = NSUrlSessionConfiguration.BackgroundSessionConfiguration(SessionId);
#pragma warning restore 618
    if (configuration == null) {
      configuration = NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration (SessionId);
    } // RESTORED

    using (configuration) {
      return NSUrlSession.FromConfiguration (configuration, new UrlSessionDelegate(), null);
    } // RESTORED
  } // RESTORED

public UIBackgroundFetchResult FetchImage (string url)
{
  var session = ConfigureBackgroundSession();

  var request = new NSMutableUrlRequest(NSUrl.FromString(url)); // PORT: NSURL -> NSUrl
  request.HttpMethod = "GET";
  using (request) {
    var task = session.CreateDownloadTask(request);
    task.Resume(); // RESTORED
  } // RESTORED

  return UIBackgroundFetchResult.NewData;
} // RESTORED
}

public class UrlSessionDelegate : NSUrlSessionDownloadDelegate
{
  private string destinationFilepath;
  public UrlSessionDelegate()
  {
    destinationFilepath = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.Personal), "xamarin.png");
  } // RESTORED

  public override void DidWriteData (NSUrlSession session, NSUrlSessionDownloadTask task, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite)
  {
    float progress = totalBytesWritten / (float)totalBytesExpectedToWrite;
    Console.WriteLine ($"Task: {task.TaskIdentifier}  progress: {progress}");
    // perform any UI updates here
    Sim.ReportProgress($"task-{task.TaskIdentifier}", progress); // PORT: the progress bar
  } // RESTORED

  public override void DidFinishDownloading (NSUrlSession session, NSUrlSessionDownloadTask task, NSUrl location)
  {
    Console.WriteLine($"Download task {task.TaskIdentifier} completed!");
    // Copy the file to a permanent location
    if (File.Exists(destinationFilepath)) { // RESTORED: destinationUrl -> destinationFilepath
      File.Delete(destinationFilepath); // RESTORED
    } // RESTORED
    File.Copy (location.Path, destinationFilepath); // RESTORED: destinationUrl -> destinationFilepath
  } // RESTORED

  public override void DidFinishEventsForBackgroundSession (NSUrlSession session)
  {
    // Perform any processing on the data

    using (var appDelegate = UIApplication.SharedApplication.Delegate as AppDelegate) {
      var handler = appDelegate.BackgroundUrlCompletionHandler;
      if (handler != null) {
        handler(); // RESTORED
      } // RESTORED
    } // RESTORED
  } // RESTORED
} // RESTORED

public partial class AppDelegate
{
public Action BackgroundUrlCompletionHandler { get; private set; }

public override void HandleEventsForBackgroundUrl (UIApplication application, string sessionIdentifier, Action completionHandler)
{
  BackgroundUrlCompletionHandler = completionHandler;
} // RESTORED
}
