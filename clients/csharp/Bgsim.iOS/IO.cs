// IO.cs: look-alikes of System.IO's File, Directory, Path, FileInfo, and of
// System.Environment.GetFolderPath and System.Console, for code ported from Xamarin.iOS.
// The app's container lives in bgsim, so every file operation is a protocol call (and goes
// into the history). Import `Bgsim.IO` instead of `System.IO`, and alias the two names
// System also has:
//     using Bgsim.IO;
//     using Console = Bgsim.IO.Console;
//     using Environment = Bgsim.IO.Environment;
// Paths are container paths: relative (`Documents/a.png`) or absolute (the container root,
// as GetFolderPath returns it, then `/Documents/a.png`); bgsim takes both as they are.
// Failures throw the System.IO exceptions .NET throws.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Bgsim.Protocol;

namespace Bgsim.IO
{
    internal static class Fs
    {
        internal static JsonObject Msg(string type, string key, string path)
        {
            if (path == null) throw new ArgumentNullException(key);
            return Runtime.Msg(type).With(key, path);
        }

        /// <summary>Carries out a file call; its error answer becomes .NET's exception.</summary>
        internal static object Call(JsonObject m, string path, bool directory = false)
        {
            try
            {
                return Runtime.Call(m);
            }
            catch (FileError e)
            {
                throw Translate(e, path, directory);
            }
        }

        /// <summary>A call with a source and a destination: .NET names the source when it is
        /// missing, the destination otherwise.</summary>
        internal static void Call2(JsonObject m, string source, string destination)
        {
            try
            {
                Runtime.Call(m);
            }
            catch (FileError e)
            {
                throw Translate(e, e.Kind == "not-found" ? source : destination, false);
            }
        }

        internal static Exception Translate(FileError e, string path, bool directory)
        {
            var what = e.Call + ": " + e.Message;
            switch (e.Kind)
            {
                case "not-found":
                    return directory ? (Exception)new DirectoryNotFoundException("Could not find a part of the path '" + path + "' (" + what + ")")
                        : new FileNotFoundException("Could not find file '" + path + "' (" + what + ")", path);
                case "exists":
                    return new IOException("The file '" + path + "' already exists (" + what + ")");
                case "permission-denied":
                    return new UnauthorizedAccessException("Access to the path '" + path + "' is denied: the device is locked (" + what + ")");
                case "invalid-path":
                    return new UnauthorizedAccessException("Access to the path '" + path + "' is denied: it is outside the container (" + what + ")");
                default:
                    return new IOException(what);
            }
        }
    }

    /// <summary>System.IO.File over the container.</summary>
    public static class File
    {
        /// <summary>Whether something is at <paramref name="path"/> (fileExists).</summary>
        public static bool Exists(string path)
        {
            if (string.IsNullOrEmpty(path)) return false;
            return (bool)Runtime.Call(Fs.Msg("fileExists", "path", path));
        }

        /// <summary>copyItem: fails with IOException if <paramref name="destFileName"/> exists.</summary>
        public static void Copy(string sourceFileName, string destFileName)
        {
            Fs.Call2(Fs.Msg("copyItem", "from", sourceFileName).With("to", destFileName), sourceFileName, destFileName);
        }

        /// <summary>With overwrite: the old file is removed first (not atomic: see Replace).</summary>
        public static void Copy(string sourceFileName, string destFileName, bool overwrite)
        {
            if (overwrite && Exists(destFileName)) Delete(destFileName);
            Copy(sourceFileName, destFileName);
        }

        /// <summary>moveItem: fails with IOException if <paramref name="destFileName"/> exists.</summary>
        public static void Move(string sourceFileName, string destFileName)
        {
            Fs.Call2(Fs.Msg("moveItem", "from", sourceFileName).With("to", destFileName), sourceFileName, destFileName);
        }

        public static void Move(string sourceFileName, string destFileName, bool overwrite)
        {
            if (overwrite && Exists(destFileName)) Delete(destFileName);
            Move(sourceFileName, destFileName);
        }

        /// <summary>Puts <paramref name="sourceFileName"/> in the place of
        /// <paramref name="destinationFileName"/> in one step (replaceItem), so no moment is
        /// without a file there. As in .NET, the destination must exist.</summary>
        public static void Replace(string sourceFileName, string destinationFileName, string destinationBackupFileName)
        {
            if (!Exists(destinationFileName))
                throw new FileNotFoundException("Could not find file '" + destinationFileName + "'", destinationFileName);
            if (destinationBackupFileName != null)
            {
                Delete(destinationBackupFileName);
                Copy(destinationFileName, destinationBackupFileName);
            }
            Fs.Call2(Fs.Msg("replaceItem", "destination", destinationFileName).With("with", sourceFileName), sourceFileName, destinationFileName);
        }

        /// <summary>removeItem; a missing file is not an error, as in .NET.</summary>
        public static void Delete(string path)
        {
            try
            {
                Runtime.Call(Fs.Msg("removeItem", "path", path));
            }
            catch (FileError e)
            {
                if (e.Kind != "not-found") throw Fs.Translate(e, path, false);
            }
        }

        public static byte[] ReadAllBytes(string path)
        {
            return Convert.FromBase64String((string)Fs.Call(Fs.Msg("readFile", "path", path), path));
        }

        public static void WriteAllBytes(string path, byte[] bytes)
        {
            Fs.Call(Fs.Msg("writeFile", "path", path).With("data", Convert.ToBase64String(bytes ?? new byte[0])), path);
        }

        public static string ReadAllText(string path) { return new UTF8Encoding(false).GetString(ReadAllBytes(path)); }

        public static void WriteAllText(string path, string contents) { WriteAllBytes(path, new UTF8Encoding(false).GetBytes(contents ?? "")); }
    }

    /// <summary>System.IO.FileInfo, for its length.</summary>
    public sealed class FileInfo
    {
        public FileInfo(string fileName) { FullName = fileName; }
        public string FullName { get; private set; }
        public string Name { get { return Path.GetFileName(FullName); } }
        public bool Exists { get { return File.Exists(FullName); } }
        /// <summary>fileSize.</summary>
        public long Length { get { return Convert.ToInt64(Fs.Call(Fs.Msg("fileSize", "path", FullName), FullName)); } }
    }

    /// <summary>System.IO.DirectoryInfo, as Directory.CreateDirectory returns it.</summary>
    public sealed class DirectoryInfo
    {
        public DirectoryInfo(string path) { FullName = path; }
        public string FullName { get; private set; }
        public bool Exists { get { return Directory.Exists(FullName); } }
    }

    /// <summary>System.IO.Directory over the container.</summary>
    public static class Directory
    {
        /// <summary>createDirectory, with every missing parent.</summary>
        public static DirectoryInfo CreateDirectory(string path)
        {
            Fs.Call(Fs.Msg("createDirectory", "path", path), path, true);
            return new DirectoryInfo(path);
        }

        /// <summary>Whether <paramref name="path"/> is a folder that can be listed.</summary>
        public static bool Exists(string path)
        {
            try { Runtime.Call(Fs.Msg("listDirectory", "path", path)); return true; }
            catch (FileError) { return false; }
        }

        /// <summary>The entries of the folder (files and folders: listDirectory does not
        /// tell them apart), sorted, each as <paramref name="path"/>/name.</summary>
        public static string[] GetFileSystemEntries(string path)
        {
            var names = (List<object>)Fs.Call(Fs.Msg("listDirectory", "path", path), path, true);
            var result = new List<string>();
            foreach (var n in names) result.Add(Path.Combine(path, (string)n));
            return result.ToArray();
        }

        public static string[] GetFiles(string path) { return GetFileSystemEntries(path); }

        /// <summary>removeItem (the folder and what is in it).</summary>
        public static void Delete(string path, bool recursive)
        {
            Fs.Call(Fs.Msg("removeItem", "path", path), path, true);
        }

        public static void Delete(string path) { Delete(path, false); }
    }

    /// <summary>System.IO.Path (string work only), with the container's temporary folder.</summary>
    public static class Path
    {
        public const char DirectorySeparatorChar = '/';
        public static string Combine(params string[] paths) { return System.IO.Path.Combine(paths); }
        public static string GetFileName(string path) { return System.IO.Path.GetFileName(path); }
        public static string GetFileNameWithoutExtension(string path) { return System.IO.Path.GetFileNameWithoutExtension(path); }
        public static string GetExtension(string path) { return System.IO.Path.GetExtension(path); }
        public static string GetDirectoryName(string path) { return System.IO.Path.GetDirectoryName(path); }
        public static string ChangeExtension(string path, string extension) { return System.IO.Path.ChangeExtension(path, extension); }
        public static bool IsPathRooted(string path) { return System.IO.Path.IsPathRooted(path); }
        /// <summary>The container's tmp/ folder, absolute, with a trailing slash.</summary>
        public static string GetTempPath() { return Runtime.ContainerRoot + "/tmp/"; }
    }

    /// <summary>System.Environment's folders, as Xamarin.iOS maps them into the container.</summary>
    public static class Environment
    {
        public enum SpecialFolder { Personal, MyDocuments, LocalApplicationData, InternetCache, Resources, UserProfile }

        /// <summary>Absolute: Personal and MyDocuments are Documents, LocalApplicationData and
        /// Resources are Library, InternetCache is Library/Caches, UserProfile the root.</summary>
        public static string GetFolderPath(SpecialFolder folder)
        {
            var root = Runtime.ContainerRoot;
            switch (folder)
            {
                case SpecialFolder.Personal:
                case SpecialFolder.MyDocuments: return root + "/Documents";
                case SpecialFolder.LocalApplicationData:
                case SpecialFolder.Resources: return root + "/Library";
                case SpecialFolder.InternetCache: return root + "/Library/Caches";
                default: return root;
            }
        }

        public static string NewLine { get { return "\n"; } }
        public static string[] GetCommandLineArgs() { return System.Environment.GetCommandLineArgs(); }
    }

    /// <summary>System.Console: each line written is a `log` call (standard output belongs
    /// to the protocol). Console.Error is the process's standard error.</summary>
    public static class Console
    {
        static readonly StringBuilder pending = new StringBuilder();

        public static TextWriter Error { get { return System.Console.Error; } }

        public static void WriteLine() { WriteLine(""); }
        public static void WriteLine(object value) { WriteLine(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); }
        public static void WriteLine(string format, params object[] args) { WriteLine(string.Format(format, args)); }

        public static void WriteLine(string value)
        {
            var line = pending.ToString() + value;
            pending.Clear();
            Runtime.Log(line);
        }

        /// <summary>Kept until the line is complete, then logged.</summary>
        public static void Write(string value) { pending.Append(value); }
    }
}
