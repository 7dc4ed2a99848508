// Peer.cs: the line framing of the app protocol (docs/protocol.md, "The process"): one JSON
// object per line, UTF-8, "\n"-terminated, on any TextReader/TextWriter pair (the process's
// standard streams, or a fake bgsim in the tests). Owns Peer (send, receive, call and its
// three answers) and the exceptions an answer or a broken peer raise.

using System;
using System.IO;
using System.Text;

namespace Bgsim.Protocol
{
    /// <summary>bgsim answered a FileManager call with <c>error</c>.</summary>
    public sealed class FileError : Exception
    {
        /// <summary><c>not-found</c>, <c>exists</c>, <c>permission-denied</c>, <c>invalid-path</c> or <c>io</c>.</summary>
        public string Kind { get; private set; }
        /// <summary>The call that failed, and the path it named.</summary>
        public string Call { get; private set; }

        public FileError(string kind, string message, string call)
            : base(message) { Kind = kind; Call = call; }
    }

    /// <summary>The exchange broke: bgsim sent something the protocol does not allow.</summary>
    public sealed class ProtocolException : Exception
    {
        public ProtocolException(string message) : base(message) { }
    }

    /// <summary>bgsim closed the program's standard input (a probe, or the run is over).</summary>
    public sealed class PeerClosedException : Exception
    {
        public PeerClosedException() : base("bgsim closed the standard input") { }
    }

    /// <summary>One end of the protocol: messages out on a writer, in from a reader.</summary>
    public sealed class Peer
    {
        readonly TextReader input;
        readonly TextWriter output;

        public Peer(TextReader input, TextWriter output)
        {
            this.input = input;
            this.output = output;
        }

        /// <summary>The process's own standard streams, as raw UTF-8 without a byte-order mark.
        /// Console.Out is pointed at standard error, so a stray Console.WriteLine of
        /// System's cannot break the framing.</summary>
        public static Peer Standard()
        {
            var utf8 = new UTF8Encoding(false);
            var stdout = new StreamWriter(System.Console.OpenStandardOutput(), utf8) { AutoFlush = false, NewLine = "\n" };
            var stdin = new StreamReader(System.Console.OpenStandardInput(), utf8, false);
            System.Console.SetOut(System.Console.Error);
            return new Peer(stdin, stdout);
        }

        /// <summary>A file call and its paths, for messages: <c>copyItem a -> b</c>.</summary>
        static string Describe(JsonObject m)
        {
            var s = m["type"] as string;
            if (m["path"] != null) return s + " " + m["path"];
            if (m["from"] != null) return s + " " + m["from"] + " -> " + m["to"];
            if (m["destination"] != null) return s + " " + m["destination"] + " with " + m["with"];
            return s;
        }

        /// <summary>Writes one message as one line, and flushes it.</summary>
        public void Send(JsonObject message)
        {
            output.Write(Json.Write(message));
            output.Write('\n');
            output.Flush();
        }

        /// <summary>The next message; throws PeerClosedException at the end of the input.</summary>
        public JsonObject Receive()
        {
            var line = input.ReadLine();
            if (line == null) throw new PeerClosedException();
            try
            {
                return Json.ParseObject(line);
            }
            catch (FormatException e)
            {
                throw new ProtocolException("bgsim sent a line that is not a JSON object (" + e.Message + ")");
            }
        }

        /// <summary>Sends a call that returns a value and reads its answer: the value of a
        /// <c>result</c>; an <c>exception</c> is thrown as ObjCRuntime.ObjCException, an
        /// <c>error</c> as FileError.</summary>
        public object Call(JsonObject message)
        {
            Send(message);
            var answer = Receive();
            var type = answer["type"] as string;
            switch (type)
            {
                case "result":
                    return answer["value"];
                case "exception":
                    throw new ObjCRuntime.ObjCException(answer.OptStr("name") ?? "NSException", answer.OptStr("reason") ?? "");
                case "error":
                    throw new FileError(answer.OptStr("error") ?? "io", answer.OptStr("message") ?? "", Describe(message));
                default:
                    throw new ProtocolException("bgsim answered `" + message.Str("type") + "` with " + answer);
            }
        }
    }
}
