// Json.cs: the JSON of the app protocol (docs/protocol.md), with no assembly beyond
// mscorlib. Owns JsonObject (an object with its keys in insertion order and typed getters
// that name the missing field) and Json.Parse / Json.Write. Values are null, bool, long
// (whole numbers), double, string, List<object> and JsonObject.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Bgsim.Protocol
{
    /// <summary>A JSON object; its keys keep the order they were added in.</summary>
    public sealed class JsonObject : IEnumerable<KeyValuePair<string, object>>
    {
        readonly List<string> keys = new List<string>();
        readonly Dictionary<string, object> map = new Dictionary<string, object>();

        /// <summary>The value of <paramref name="key"/>, or null when it is absent.</summary>
        public object this[string key]
        {
            get { object v; return map.TryGetValue(key, out v) ? v : null; }
            set { if (!map.ContainsKey(key)) keys.Add(key); map[key] = value; }
        }

        /// <summary>Sets <paramref name="key"/> and returns this object, for chaining.</summary>
        public JsonObject With(string key, object value) { this[key] = value; return this; }

        public bool Has(string key) { return map.ContainsKey(key); }
        public int Count { get { return keys.Count; } }
        public IEnumerable<string> Keys { get { return keys; } }

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            foreach (var k in keys) yield return new KeyValuePair<string, object>(k, map[k]);
        }
        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }

        // A message without the field it needs is bgsim's mistake (or a fake's), not the app's.
        Exception Wrong(string key, string expected)
        {
            var type = this["type"] as string ?? "message";
            return new ProtocolException(Has(key)
                ? string.Format("`{0}` has `{1}` = {2}; expected {3}", type, key, Json.Write(this[key]), expected)
                : string.Format("`{0}` lacks the field `{1}` ({2})", type, key, expected));
        }

        public string Str(string key)
        {
            var s = this[key] as string;
            if (s == null) throw Wrong(key, "a string");
            return s;
        }

        public string OptStr(string key)
        {
            var v = this[key];
            if (v == null || v is string) return (string)v;
            throw Wrong(key, "a string or null");
        }

        public long Long(string key)
        {
            var v = this[key];
            if (v is long) return (long)v;
            if (v is double && Math.Floor((double)v) == (double)v) return (long)(double)v;
            throw Wrong(key, "a whole number");
        }

        public long? OptLong(string key)
        {
            return this[key] == null ? (long?)null : Long(key);
        }

        public double Double(string key)
        {
            var v = this[key];
            if (v is long) return (long)v;
            if (v is double) return (double)v;
            throw Wrong(key, "a number");
        }

        public bool Bool(string key)
        {
            var v = this[key];
            if (v is bool) return (bool)v;
            throw Wrong(key, "true or false");
        }

        public bool? OptBool(string key)
        {
            return this[key] == null ? (bool?)null : Bool(key);
        }

        public JsonObject Obj(string key)
        {
            var o = this[key] as JsonObject;
            if (o == null) throw Wrong(key, "an object");
            return o;
        }

        public JsonObject OptObj(string key)
        {
            return this[key] == null ? null : Obj(key);
        }

        public List<object> Arr(string key)
        {
            var a = this[key] as List<object>;
            if (a == null) throw Wrong(key, "a list");
            return a;
        }

        public override string ToString() { return Json.Write(this); }
    }

    /// <summary>Reads and writes JSON text: one message is one line.</summary>
    public static class Json
    {
        /// <summary>Parses one JSON value; throws FormatException with the offset on bad input.</summary>
        public static object Parse(string text)
        {
            var p = new Parser(text);
            p.SkipSpace();
            var v = p.Value(0);
            p.SkipSpace();
            if (p.Pos != text.Length) throw p.Error("text after the value");
            return v;
        }

        /// <summary>Parses a line that must hold a JSON object.</summary>
        public static JsonObject ParseObject(string text)
        {
            var o = Parse(text) as JsonObject;
            if (o == null) throw new FormatException("not a JSON object: " + text);
            return o;
        }

        /// <summary>The value as compact JSON (no newline in it: strings escape theirs).</summary>
        public static string Write(object value)
        {
            var sb = new StringBuilder();
            Write(sb, value);
            return sb.ToString();
        }

        static void Write(StringBuilder sb, object v)
        {
            if (v == null) sb.Append("null");
            else if (v is bool) sb.Append((bool)v ? "true" : "false");
            else if (v is string) WriteString(sb, (string)v);
            else if (v is double || v is float) WriteDouble(sb, Convert.ToDouble(v, CultureInfo.InvariantCulture));
            else if (v is long || v is int || v is short || v is sbyte || v is byte || v is ushort || v is uint)
                sb.Append(Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            else if (v is ulong) sb.Append(((ulong)v).ToString(CultureInfo.InvariantCulture));
            else if (v is JsonObject)
            {
                sb.Append('{');
                var first = true;
                foreach (var kv in (JsonObject)v)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, kv.Key);
                    sb.Append(':');
                    Write(sb, kv.Value);
                }
                sb.Append('}');
            }
            else if (v is IEnumerable)
            {
                sb.Append('[');
                var first = true;
                foreach (var item in (IEnumerable)v)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    Write(sb, item);
                }
                sb.Append(']');
            }
            else throw new ArgumentException("no JSON form for a " + v.GetType().Name);
        }

        static void WriteDouble(StringBuilder sb, double d)
        {
            if (double.IsNaN(d) || double.IsInfinity(d))
                throw new ArgumentException("JSON has no NaN or infinity: " + d.ToString(CultureInfo.InvariantCulture));
            var s = d.ToString("R", CultureInfo.InvariantCulture);
            sb.Append(s);
            // "1E+20" is valid JSON; a bare integer form is too. Nothing else to fix.
        }

        static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        // Control characters, and the line separators some readers split on.
                        if (c < 0x20 || c == '\u2028' || c == '\u2029')
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        sealed class Parser
        {
            const int MaxDepth = 200;
            readonly string s;
            public int Pos;

            public Parser(string text) { s = text; }

            public FormatException Error(string what)
            {
                return new FormatException(string.Format("bad JSON at offset {0}: {1}", Pos, what));
            }

            public void SkipSpace()
            {
                while (Pos < s.Length && (s[Pos] == ' ' || s[Pos] == '\t' || s[Pos] == '\n' || s[Pos] == '\r')) Pos++;
            }

            char Peek() { if (Pos >= s.Length) throw Error("unexpected end"); return s[Pos]; }

            void Expect(string word)
            {
                if (string.CompareOrdinal(s, Pos, word, 0, word.Length) != 0) throw Error("expected " + word);
                Pos += word.Length;
            }

            public object Value(int depth)
            {
                if (depth > MaxDepth) throw Error("nested too deep");
                var c = Peek();
                switch (c)
                {
                    case '{': return Object(depth);
                    case '[': return Array(depth);
                    case '"': return String();
                    case 't': Expect("true"); return true;
                    case 'f': Expect("false"); return false;
                    case 'n': Expect("null"); return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9')) return Number();
                        throw Error("unexpected '" + c + "'");
                }
            }

            JsonObject Object(int depth)
            {
                var o = new JsonObject();
                Pos++;
                SkipSpace();
                if (Peek() == '}') { Pos++; return o; }
                while (true)
                {
                    SkipSpace();
                    if (Peek() != '"') throw Error("expected a key");
                    var key = String();
                    SkipSpace();
                    if (Peek() != ':') throw Error("expected ':'");
                    Pos++;
                    SkipSpace();
                    o[key] = Value(depth + 1);
                    SkipSpace();
                    var c = Peek();
                    Pos++;
                    if (c == '}') return o;
                    if (c != ',') { Pos--; throw Error("expected ',' or '}'"); }
                }
            }

            List<object> Array(int depth)
            {
                var a = new List<object>();
                Pos++;
                SkipSpace();
                if (Peek() == ']') { Pos++; return a; }
                while (true)
                {
                    SkipSpace();
                    a.Add(Value(depth + 1));
                    SkipSpace();
                    var c = Peek();
                    Pos++;
                    if (c == ']') return a;
                    if (c != ',') { Pos--; throw Error("expected ',' or ']'"); }
                }
            }

            string String()
            {
                Pos++; // the opening quote
                var sb = new StringBuilder();
                while (true)
                {
                    var c = Peek();
                    Pos++;
                    if (c == '"') return sb.ToString();
                    if (c < 0x20) { Pos--; throw Error("a control character in a string"); }
                    if (c != '\\') { sb.Append(c); continue; }
                    var e = Peek();
                    Pos++;
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (Pos + 4 > s.Length) throw Error("short \\u escape");
                            int code;
                            if (!int.TryParse(s.Substring(Pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code))
                                throw Error("bad \\u escape");
                            Pos += 4;
                            sb.Append((char)code); // surrogate pairs arrive as two escapes
                            break;
                        default: Pos--; throw Error("bad escape \\" + e);
                    }
                }
            }

            object Number()
            {
                var start = Pos;
                if (s[Pos] == '-') Pos++;
                var integral = true;
                if (Pos >= s.Length || !char.IsDigit(s[Pos])) throw Error("a digit expected");
                while (Pos < s.Length && char.IsDigit(s[Pos])) Pos++;
                if (Pos < s.Length && s[Pos] == '.')
                {
                    integral = false;
                    Pos++;
                    if (Pos >= s.Length || !char.IsDigit(s[Pos])) throw Error("a digit expected after '.'");
                    while (Pos < s.Length && char.IsDigit(s[Pos])) Pos++;
                }
                if (Pos < s.Length && (s[Pos] == 'e' || s[Pos] == 'E'))
                {
                    integral = false;
                    Pos++;
                    if (Pos < s.Length && (s[Pos] == '+' || s[Pos] == '-')) Pos++;
                    if (Pos >= s.Length || !char.IsDigit(s[Pos])) throw Error("a digit expected in the exponent");
                    while (Pos < s.Length && char.IsDigit(s[Pos])) Pos++;
                }
                var text = s.Substring(start, Pos - start);
                long l;
                if (integral && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l))
                    return l;
                return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }
    }
}
